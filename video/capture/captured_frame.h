#pragma once
// CapturedFrame: one H.264 access unit as the capture pipeline hands it over (AVC framing:
// 4-byte length-prefixed NAL units, one whole access unit per frame, as h264parse emits with
// stream-format=avc,alignment=au).
//
// Times are nanoseconds. `pts_ns`/`dts_ns`/`duration_ns` are the GstBuffer's own values;
// `running_time_ns` is pts on the pipeline clock (restarts at 0 when the pipeline restarts);
// `producer_time_ns` is absolute (Unix epoch): running time plus an anchor taken once from the
// wall clock at the first frame, so it follows the pipeline clock and never jumps with NTP, and
// it strictly increases across pipeline restarts (see TimestampAnchor).

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace kedge::video {

// "No value" for an unknown time (GStreamer's GST_CLOCK_TIME_NONE).
constexpr int64_t kNoCaptureTime = std::numeric_limits<int64_t>::min();

// What the caps say about the stream. Sent with the first frame and whenever the caps change.
struct StreamFormat {
  std::vector<uint8_t> codec_data;  // AVCDecoderConfigurationRecord from the caps' codec_data
  int width = 0;
  int height = 0;
  int fps_num = 0;  // 0 when the caps carry no framerate
  int fps_den = 1;

  bool operator==(const StreamFormat& o) const {
    return codec_data == o.codec_data && width == o.width && height == o.height &&
           fps_num == o.fps_num && fps_den == o.fps_den;
  }
  bool operator!=(const StreamFormat& o) const { return !(*this == o); }
};

struct CapturedFrame {
  std::vector<uint8_t> data;
  int64_t pts_ns = kNoCaptureTime;  // always set: frames without a pts are dropped
  int64_t dts_ns = kNoCaptureTime;
  int64_t duration_ns = kNoCaptureTime;
  int64_t running_time_ns = 0;
  int64_t producer_time_ns = 0;  // Unix epoch ns
  bool key = false;              // no GST_BUFFER_FLAG_DELTA_UNIT
  // Set on the first frame of a pipeline run and when the caps change; the consumer keeps the
  // last one it saw.
  std::optional<StreamFormat> format;
  // Increments when the pipeline is rebuilt after an error (or a live source's end of stream);
  // a consumer can start a new fragment / session when it changes.
  uint32_t run = 0;
};

}  // namespace kedge::video
