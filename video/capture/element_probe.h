#pragma once
// ElementProbe: what the pipeline builder needs to know about this machine — which GStreamer
// elements are installed, whether a device node exists, and whether a source already delivers
// H.264. GstElementProbe (gst_probe.h) asks GStreamer; tests use a fake. Called on the thread that
// builds the pipeline.

#include <string>

#include "platform/status.h"
#include "video/capture/camera_spec.h"

namespace kedge::video {

// What a source can deliver at the camera's width, height and fps.
struct SourceModes {
  bool h264 = false;  // H.264 (a UVC camera with an H.264 mode, a file with H.264 video)
  bool raw = false;   // uncompressed video/x-raw
  bool jpeg = false;  // MJPEG (most USB webcams above 640x480)
};

class ElementProbe {
 public:
  virtual ~ElementProbe() = default;
  // True when an element factory of this name is registered.
  virtual bool HasElement(const std::string& factory) const = 0;
  virtual bool DeviceExists(const std::string& path) const = 0;
  // What the source offers at spec.width × spec.height and spec.fps (a file: H.264 or, for any
  // other video, raw after decoding). Asked only for v4l2 and file sources. An error names the
  // device or file and why it could not be opened.
  virtual StatusOr<SourceModes> ProbeSource(const CameraSpec& spec) const = 0;
};

// The Debian package that provides a GStreamer element, for "install …" hints.
std::string PackageForElement(const std::string& factory);

}  // namespace kedge::video
