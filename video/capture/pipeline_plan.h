#pragma once
// PipelinePlan: the GStreamer pipeline for one camera, as a gst-launch description ending in an
// appsink named kSinkName that delivers H.264 access units in AVC framing:
//
//   <source> [! <convert> ! <encoder>] ! h264parse config-interval=-1
//     ! video/x-h264,stream-format=avc,alignment=au ! appsink name=kedge_sink …
//
// BuildPipelinePlan chooses the encoder (hardware first: v4l2h264enc on a Raspberry Pi,
// nvv4l2h264enc on a Jetson; else x264enc, else openh264enc; none when the source gives H.264)
// and checks that every element is installed and the device exists. Pure apart from the probe.
// Errors: NotFound naming the missing device, or FailedPrecondition naming the missing element
// and the Debian package to install.

#include <string>
#include <vector>

#include "platform/status.h"
#include "video/capture/camera_spec.h"
#include "video/capture/element_probe.h"

namespace kedge::video {

inline constexpr char kSinkName[] = "kedge_sink";

struct PipelinePlan {
  std::string description;                       // for gst_parse_launch
  EncoderChoice encoder = EncoderChoice::kNone;  // the one chosen (never kAuto)
  std::vector<std::string> elements;             // factories the description uses
};

StatusOr<PipelinePlan> BuildPipelinePlan(const CameraSpec& spec, const ElementProbe& probe);

}  // namespace kedge::video
