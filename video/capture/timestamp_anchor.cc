#include "video/capture/timestamp_anchor.h"

#include <algorithm>
#include <chrono>

namespace kedge::video {

int64_t TimestampAnchor::ProducerTime(int64_t running_time_ns, int64_t now_running_ns) {
  if (!anchored_) {
    int64_t wall_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.WallNow().time_since_epoch())
            .count();
    bool clock_usable = now_running_ns >= running_time_ns &&
                        now_running_ns - running_time_ns <= kMaxLatencyNs;
    offset_ns_ = wall_ns - (clock_usable ? now_running_ns : running_time_ns);
    if (last_ns_ != std::numeric_limits<int64_t>::min() &&
        offset_ns_ + running_time_ns < last_ns_ + kRestartGapNs) {
      offset_ns_ = last_ns_ + kRestartGapNs - running_time_ns;
    }
    anchored_ = true;
  }
  int64_t t = offset_ns_ + running_time_ns;
  last_ns_ = std::max(last_ns_, t);
  return t;
}

}  // namespace kedge::video
