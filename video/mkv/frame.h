#pragma once
// Frame: one encoded video access unit on its way from capture to the MKV fragmenter.
//
// Times are in NANOSECONDS, the unit GStreamer buffers and libavformat (after rescaling) use, so
// capture copies GST_BUFFER_PTS/DTS/DURATION straight in. `pts_ns` is on the producer's own
// clock (pipeline running time, file time); the fragmenter anchors it to the wall clock once.

#include <cstdint>
#include <limits>
#include <vector>

namespace kedge::video {

// "No value" for dts_ns / duration_ns (GStreamer's GST_CLOCK_TIME_NONE).
constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

struct Frame {
  // One access unit: NAL units either 4-byte length-prefixed (AVC, as h264parse emits with
  // stream-format=avc) or Annex-B start-code delimited; MkvFragmenter::Options says which.
  std::vector<uint8_t> data;
  int64_t pts_ns = 0;             // presentation time; required
  int64_t dts_ns = kNoTime;       // decode time; informational (MKV SimpleBlocks carry the pts)
  int64_t duration_ns = kNoTime;  // kNoTime when unknown
  bool key = false;               // an IDR / random-access frame (no GST_BUFFER_FLAG_DELTA_UNIT)
};

}  // namespace kedge::video
