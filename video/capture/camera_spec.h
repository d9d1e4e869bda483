#pragma once
// CameraSpec: what a camera is, as written in the config (`cameras:`) or on the command line
// (`--source`). ParseSourceSpec reads the `source:` string; Validate checks the numbers and fills
// in what follows from others (the key-frame interval follows the fragment duration).
//
//   source: test | v4l2:/dev/videoN | libcamera[:camera-name] | nvargus[:sensor-id]
//           | rtsp://… (rtsps://…) | file:PATH
//
// Errors are InvalidArgument with a message naming the bad value and what is accepted.

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge::video {

enum class SourceKind { kTest, kV4l2, kLibcamera, kNvArgus, kRtsp, kFile };

// Which encoder to use. kAuto picks hardware first, then x264enc, then openh264enc, and none when
// the source already delivers H.264.
enum class EncoderChoice { kAuto, kNone, kX264, kOpenH264, kV4l2, kNvV4l2 };

struct SourceSpec {
  SourceKind kind = SourceKind::kTest;
  std::string device;  // v4l2: /dev/videoN
  std::string camera;  // libcamera: camera name (empty = first camera)
  int sensor_id = 0;   // nvargus
  std::string uri;     // rtsp
  std::string path;    // file
};

struct CameraSpec {
  std::string name = "camera";  // names the capture thread (`video-<name>`) and log lines
  SourceSpec source;
  int width = 1280;
  int height = 720;
  int fps = 30;
  int bitrate_kbps = 2000;
  int64_t fragment_duration_ms = 2000;
  // Frames between key frames; 0 = fps × fragment duration (one GOP per fragment).
  int key_frame_interval = 0;
  EncoderChoice encoder = EncoderChoice::kAuto;
  // x264enc speed-preset (ultrafast … veryslow).
  std::string x264_speed_preset = "veryfast";
  // Stop after this many source buffers (0 = unlimited); makes a test source end on EOS.
  int num_buffers = 0;
  // Start again at the end of stream (a file or a test source with num_buffers as a demo
  // camera). Runs after the first get a new CapturedFrame::run.
  bool loop = false;
  // `test` only: produce frames in real time (a camera) or as fast as possible (tests).
  bool test_live = true;
  // Frames the appsink may hold before the pipeline blocks (back-pressure on the source).
  int max_queued_frames = 60;
};

StatusOr<SourceSpec> ParseSourceSpec(std::string_view text);
// The source written back in the config's syntax.
std::string SourceSpecToString(const SourceSpec& source);

// The password in an RTSP URL's user info (rtsp://user:password@host/…), or "". GstCapture
// registers it with the logger so it never reaches a log line.
std::string SourcePassword(const SourceSpec& source);

// SourceSpecToString with any password replaced by "****", for messages.
std::string SourceForMessages(const SourceSpec& source);

StatusOr<EncoderChoice> ParseEncoderChoice(std::string_view text);
std::string_view EncoderChoiceName(EncoderChoice choice);

// Checks ranges and derives key_frame_interval when it is 0. Returns the completed spec.
StatusOr<CameraSpec> ValidateCameraSpec(CameraSpec spec);

// A live source runs until stopped (an end of stream is a failure to restart from); a file or a
// test source with num_buffers ends.
bool IsLiveSource(const CameraSpec& spec);

}  // namespace kedge::video
