#pragma once
// TimestampAnchor: turns pipeline running time into absolute producer time (Unix epoch ns).
// The first frame of a run is anchored to the wall clock once (offset = wall now − running time);
// later frames follow the pipeline clock, so producer times do not jump when NTP steps the wall
// clock. When the pipeline restarts (running time starts again at 0) the next frame re-anchors,
// moved forward if needed so producer times strictly increase across runs (KVS rejects a fragment
// that starts before the previous one ended: FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS).
// Used by the capture thread only; not thread-safe.

#include <cstdint>
#include <limits>

#include "platform/clock.h"

namespace kedge::video {

class TimestampAnchor {
 public:
  // Gap kept after the previous run's last frame when re-anchoring.
  static constexpr int64_t kRestartGapNs = 1'000'000;
  // A pipeline clock further ahead of the frame than this is not trusted for anchoring.
  static constexpr int64_t kMaxLatencyNs = 5'000'000'000;

  explicit TimestampAnchor(const Clock& clock) : clock_(clock) {}

  // The next frame starts a new run and re-anchors.
  void NewRun() { anchored_ = false; }
  // `now_running_ns`: the pipeline's running time at this moment, when known. A frame reaches
  // us after the encoder's latency, so anchoring "now" to the frame's own running time would
  // stamp it that much late; anchoring now to the running time now stamps it when captured.
  int64_t ProducerTime(int64_t running_time_ns, int64_t now_running_ns = -1);
  bool anchored() const { return anchored_; }
  // Wall time (epoch ns) that running time 0 maps to in the current run.
  int64_t offset_ns() const { return offset_ns_; }

 private:
  const Clock& clock_;
  bool anchored_ = false;
  int64_t offset_ns_ = 0;
  int64_t last_ns_ = std::numeric_limits<int64_t>::min();
};

}  // namespace kedge::video
