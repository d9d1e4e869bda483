#pragma once
// GstElementProbe: the ElementProbe that asks GStreamer and the file system. A v4l2 camera is
// opened briefly (READY) to read the modes it offers; a file is prerolled through parsebin to
// see its video stream's format. Thread-safe; blocks up to a few seconds for a file probe.

#include <string>

#include "platform/env.h"
#include "platform/status.h"
#include "video/capture/element_probe.h"

namespace kedge::video {

// Initialises GStreamer once per process. FailedPrecondition when it cannot start.
Status EnsureGstInitialized();

class GstElementProbe : public ElementProbe {
 public:
  explicit GstElementProbe(Env& env) : env_(env) {}
  bool HasElement(const std::string& factory) const override;
  bool DeviceExists(const std::string& path) const override;
  StatusOr<SourceModes> ProbeSource(const CameraSpec& spec) const override;

 private:
  StatusOr<SourceModes> ProbeV4l2(const CameraSpec& spec) const;
  StatusOr<bool> FileHasH264(const std::string& path) const;
  Env& env_;
};

}  // namespace kedge::video
