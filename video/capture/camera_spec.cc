#include "video/capture/camera_spec.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace kedge::video {
namespace {

constexpr std::string_view kSourceHelp =
    "expected test, v4l2:/dev/videoN, libcamera[:NAME], nvargus[:SENSOR-ID], rtsp://HOST/PATH or "
    "file:PATH";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ParseSmallInt(std::string_view s, int* out) {
  if (s.empty() || s.size() > 4) return false;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

Status BadSource(std::string_view text, std::string_view why) {
  return InvalidArgumentError("camera source \"" + std::string(text) + "\": " + std::string(why) +
                              " (" + std::string(kSourceHelp) + ")");
}

}  // namespace

StatusOr<SourceSpec> ParseSourceSpec(std::string_view text) {
  SourceSpec spec;
  if (text == "test") {
    spec.kind = SourceKind::kTest;
  } else if (StartsWith(text, "v4l2:")) {
    spec.kind = SourceKind::kV4l2;
    spec.device = std::string(text.substr(5));
    if (!StartsWith(spec.device, "/dev/")) return BadSource(text, "the device must be /dev/…");
  } else if (text == "v4l2") {
    spec.kind = SourceKind::kV4l2;
    spec.device = "/dev/video0";
  } else if (text == "libcamera" || StartsWith(text, "libcamera:")) {
    spec.kind = SourceKind::kLibcamera;
    if (text.size() > 10) spec.camera = std::string(text.substr(10));
  } else if (text == "nvargus" || StartsWith(text, "nvargus:")) {
    spec.kind = SourceKind::kNvArgus;
    if (text.size() > 8 && !ParseSmallInt(text.substr(8), &spec.sensor_id)) {
      return BadSource(text, "the sensor id must be a number");
    }
  } else if (StartsWith(text, "rtsp://") || StartsWith(text, "rtsps://")) {
    spec.kind = SourceKind::kRtsp;
    spec.uri = std::string(text);
    if (spec.uri.find_first_of("\"\n ") != std::string::npos) {
      return BadSource(text, "the URL must not contain spaces or quotes");
    }
  } else if (StartsWith(text, "file:")) {
    spec.kind = SourceKind::kFile;
    spec.path = std::string(text.substr(5));
    if (spec.path.empty()) return BadSource(text, "the file path is empty");
    if (spec.path.find_first_of("\"\n") != std::string::npos) {
      return BadSource(text, "the path must not contain quotes or newlines");
    }
  } else {
    return BadSource(text, "unknown source");
  }
  if (spec.camera.find_first_of("\"\n") != std::string::npos) {
    return BadSource(text, "the camera name must not contain quotes");
  }
  return spec;
}

std::string SourceSpecToString(const SourceSpec& source) {
  switch (source.kind) {
    case SourceKind::kTest:
      return "test";
    case SourceKind::kV4l2:
      return "v4l2:" + source.device;
    case SourceKind::kLibcamera:
      return source.camera.empty() ? "libcamera" : "libcamera:" + source.camera;
    case SourceKind::kNvArgus:
      return "nvargus:" + std::to_string(source.sensor_id);
    case SourceKind::kRtsp:
      return source.uri;
    case SourceKind::kFile:
      return "file:" + source.path;
  }
  return "?";
}

std::string SourcePassword(const SourceSpec& source) {
  if (source.kind != SourceKind::kRtsp) return "";
  size_t start = source.uri.find("://");
  if (start == std::string::npos) return "";
  start += 3;
  size_t at = source.uri.find('@', start);
  size_t slash = source.uri.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return "";
  size_t colon = source.uri.find(':', start);
  if (colon == std::string::npos || colon > at) return "";
  return source.uri.substr(colon + 1, at - colon - 1);
}

std::string SourceForMessages(const SourceSpec& source) {
  std::string text = SourceSpecToString(source);
  std::string password = SourcePassword(source);
  if (!password.empty()) {
    // The password sits between the first ':' after the scheme and the '@'.
    size_t at = text.find('@');
    text.replace(at - password.size(), password.size(), "****");
  }
  return text;
}

StatusOr<EncoderChoice> ParseEncoderChoice(std::string_view text) {
  if (text == "auto" || text.empty()) return EncoderChoice::kAuto;
  if (text == "none") return EncoderChoice::kNone;
  if (text == "x264" || text == "x264enc") return EncoderChoice::kX264;
  if (text == "openh264" || text == "openh264enc") return EncoderChoice::kOpenH264;
  if (text == "v4l2" || text == "v4l2h264enc") return EncoderChoice::kV4l2;
  if (text == "nvv4l2" || text == "nvv4l2h264enc") return EncoderChoice::kNvV4l2;
  return InvalidArgumentError("encoder \"" + std::string(text) +
                              "\": expected auto, none, x264, openh264, v4l2 or nvv4l2");
}

std::string_view EncoderChoiceName(EncoderChoice choice) {
  switch (choice) {
    case EncoderChoice::kAuto:
      return "auto";
    case EncoderChoice::kNone:
      return "none";
    case EncoderChoice::kX264:
      return "x264enc";
    case EncoderChoice::kOpenH264:
      return "openh264enc";
    case EncoderChoice::kV4l2:
      return "v4l2h264enc";
    case EncoderChoice::kNvV4l2:
      return "nvv4l2h264enc";
  }
  return "?";
}

StatusOr<CameraSpec> ValidateCameraSpec(CameraSpec spec) {
  auto bad = [&spec](const std::string& what) {
    return InvalidArgumentError("camera " + spec.name + ": " + what);
  };
  if (spec.name.empty()) return InvalidArgumentError("camera: the name is empty");
  for (char c : spec.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return bad("the name may only use letters, digits, '-', '_' and '.'");
    }
  }
  if (spec.width < 16 || spec.width > 8192 || spec.height < 16 || spec.height > 8192) {
    return bad("width and height must be between 16 and 8192");
  }
  if (spec.fps < 1 || spec.fps > 240) return bad("fps must be between 1 and 240");
  if (spec.bitrate_kbps < 16 || spec.bitrate_kbps > 200000) {
    return bad("bitrate must be between 16 and 200000 kbit/s");
  }
  // KVS caps a fragment at 10 s (MAX_FRAGMENT_DURATION_REACHED); shorter than 0.5 s risks
  // throttling at 5 fragments per second.
  if (spec.fragment_duration_ms < 500 || spec.fragment_duration_ms > 10000) {
    return bad("the fragment duration must be between 0.5 and 10 seconds");
  }
  if (spec.key_frame_interval < 0) return bad("the key-frame interval must not be negative");
  if (spec.key_frame_interval == 0) {
    spec.key_frame_interval = static_cast<int>(
        std::max<int64_t>(1, std::llround(spec.fps * spec.fragment_duration_ms / 1000.0)));
  }
  if (spec.num_buffers < 0) return bad("num_buffers must not be negative");
  if (spec.max_queued_frames < 1) return bad("max_queued_frames must be at least 1");
  return spec;
}

bool IsLiveSource(const CameraSpec& spec) {
  return spec.source.kind != SourceKind::kFile && spec.num_buffers == 0;
}

}  // namespace kedge::video
