#include "video/capture/pipeline_plan.h"

#include <map>
#include <string>

namespace kedge::video {
namespace {

// The source half of the pipeline and what it delivers.
struct SourcePart {
  std::string text;
  bool gives_h264 = false;
  bool nvmm = false;  // raw frames in NVIDIA device memory (nvarguscamerasrc)
  std::vector<std::string> elements;
};

std::string RawCaps(const CameraSpec& spec, const std::string& media = "video/x-raw") {
  return media + ",width=" + std::to_string(spec.width) + ",height=" + std::to_string(spec.height) +
         ",framerate=" + std::to_string(spec.fps) + "/1";
}

std::string NumBuffers(const CameraSpec& spec) {
  return spec.num_buffers > 0 ? " num-buffers=" + std::to_string(spec.num_buffers) : "";
}

bool WantsPassThrough(EncoderChoice choice) {
  return choice == EncoderChoice::kAuto || choice == EncoderChoice::kNone;
}

StatusOr<SourcePart> V4l2Source(const CameraSpec& spec, const ElementProbe& probe) {
  const std::string& dev = spec.source.device;
  if (!probe.DeviceExists(dev)) {
    return NotFoundError("camera " + spec.name + ": " + dev +
                         " is not present (is the camera plugged in? `ls /dev/video*` lists the "
                         "devices; a Raspberry Pi camera module uses source: libcamera)");
  }
  SourcePart part;
  part.elements = {"v4l2src"};
  std::string src = "v4l2src device=\"" + dev + "\"" + NumBuffers(spec) + " ! ";
  if (!probe.HasElement("v4l2src")) {
    part.text = src + RawCaps(spec);  // BuildPipelinePlan names the missing element
    return part;
  }
  KEDGE_ASSIGN_OR_RETURN(SourceModes modes, probe.ProbeSource(spec));
  // Prefer what costs least: the camera's own H.264, then raw frames, then decoding MJPEG.
  if (modes.h264 && WantsPassThrough(spec.encoder)) {
    part.gives_h264 = true;
    part.text = src + RawCaps(spec, "video/x-h264");
  } else if (modes.raw) {
    part.text = src + RawCaps(spec);
  } else if (modes.jpeg) {
    part.text = src + RawCaps(spec, "image/jpeg") + " ! jpegdec";
    part.elements.push_back("jpegdec");
  } else {
    return InvalidArgumentError(
        "camera " + spec.name + ": " + dev + " cannot deliver " + std::to_string(spec.width) + "x" +
        std::to_string(spec.height) + " at " + std::to_string(spec.fps) +
        " fps (`v4l2-ctl --list-formats-ext -d " + dev + "` lists its modes)");
  }
  return part;
}

StatusOr<SourcePart> FileSource(const CameraSpec& spec, const ElementProbe& probe) {
  SourcePart part;
  std::string src = "filesrc location=\"" + spec.source.path + "\"";
  if (WantsPassThrough(spec.encoder)) {
    KEDGE_ASSIGN_OR_RETURN(SourceModes modes, probe.ProbeSource(spec));
    part.gives_h264 = modes.h264;
  }
  if (part.gives_h264) {
    part.text = src + " ! parsebin";
    part.elements = {"filesrc", "parsebin"};
  } else {
    part.text = src + " ! decodebin caps=video/x-raw";
    part.elements = {"filesrc", "decodebin"};
  }
  return part;
}

StatusOr<SourcePart> MakeSource(const CameraSpec& spec, const ElementProbe& probe) {
  SourcePart part;
  switch (spec.source.kind) {
    case SourceKind::kTest:
      part.text = std::string("videotestsrc is-live=") + (spec.test_live ? "true" : "false") +
                  NumBuffers(spec) + " ! " + RawCaps(spec);
      part.elements = {"videotestsrc"};
      return part;
    case SourceKind::kV4l2:
      return V4l2Source(spec, probe);
    case SourceKind::kLibcamera:
      part.text =
          "libcamerasrc" +
          (spec.source.camera.empty() ? "" : " camera-name=\"" + spec.source.camera + "\"") +
          " ! " + RawCaps(spec);
      part.elements = {"libcamerasrc"};
      return part;
    case SourceKind::kNvArgus:
      part.text = "nvarguscamerasrc sensor-id=" + std::to_string(spec.source.sensor_id) +
                  NumBuffers(spec) + " ! " + RawCaps(spec, "video/x-raw(memory:NVMM)") +
                  ",format=NV12";
      part.nvmm = true;
      part.elements = {"nvarguscamerasrc"};
      return part;
    case SourceKind::kRtsp:
      if (!WantsPassThrough(spec.encoder)) {
        return InvalidArgumentError("camera " + spec.name +
                                    ": an RTSP source is passed through as H.264; set encoder to "
                                    "auto or none");
      }
      part.text = "rtspsrc location=\"" + spec.source.uri + "\" latency=200 ! rtph264depay";
      part.gives_h264 = true;
      part.elements = {"rtspsrc", "rtph264depay"};
      return part;
    case SourceKind::kFile:
      return FileSource(spec, probe);
  }
  return InternalError("unknown source kind");
}

StatusOr<EncoderChoice> ChooseEncoder(const CameraSpec& spec, const SourcePart& source,
                                      const ElementProbe& probe) {
  if (source.gives_h264) return EncoderChoice::kNone;
  if (spec.encoder == EncoderChoice::kNone) {
    return InvalidArgumentError("camera " + spec.name + ": source " +
                                SourceSpecToString(spec.source) +
                                " does not deliver H.264, so it needs an encoder (encoder: auto)");
  }
  if (spec.encoder != EncoderChoice::kAuto) return spec.encoder;
  const EncoderChoice order[] = {EncoderChoice::kV4l2, EncoderChoice::kNvV4l2, EncoderChoice::kX264,
                                 EncoderChoice::kOpenH264};
  for (EncoderChoice choice : order) {
    // The Pi's encoder cannot read NVIDIA device memory.
    if (source.nvmm && choice == EncoderChoice::kV4l2) continue;
    if (probe.HasElement(std::string(EncoderChoiceName(choice)))) return choice;
  }
  return FailedPreconditionError(
      "camera " + spec.name +
      ": no H.264 encoder is installed: install gstreamer1.0-plugins-ugly (x264enc) or "
      "gstreamer1.0-plugins-bad (openh264enc)");
}

// The converter in front of the encoder and the encoder itself.
std::string EncoderPart(const CameraSpec& spec, EncoderChoice encoder, bool nvmm,
                        std::vector<std::string>* elements) {
  const std::string kbps = std::to_string(spec.bitrate_kbps);
  const std::string bps = std::to_string(int64_t{spec.bitrate_kbps} * 1000);
  const std::string gop = std::to_string(spec.key_frame_interval);
  // I420: 8-bit 4:2:0, which every player decodes; x264enc would otherwise pick 4:4:4 or 10-bit
  // when the source offers it.
  std::string to_system_memory =
      std::string(nvmm ? "nvvidconv" : "videoconvert") + " ! video/x-raw,format=I420";
  auto add = [elements](std::initializer_list<const char*> names) {
    for (const char* n : names) elements->push_back(n);
  };
  switch (encoder) {
    case EncoderChoice::kX264:
      add({nvmm ? "nvvidconv" : "videoconvert", "x264enc"});
      // scenecut=0: otherwise x264 inserts extra IDR frames on scene changes and the fragment
      // count no longer follows the configured interval.
      return to_system_memory + " ! x264enc tune=zerolatency bframes=0 key-int-max=" + gop +
             " bitrate=" + kbps + " speed-preset=" + spec.x264_speed_preset +
             " option-string=scenecut=0";
    case EncoderChoice::kOpenH264:
      add({nvmm ? "nvvidconv" : "videoconvert", "openh264enc"});
      return to_system_memory +
             " ! openh264enc usage-type=camera rate-control=bitrate bitrate=" + bps +
             " gop-size=" + gop + " complexity=low scene-change-detection=false";
    case EncoderChoice::kV4l2:
      add({"videoconvert", "v4l2h264enc"});
      // repeat_sequence_header: SPS/PPS before every IDR; the level caps make the Pi's encoder
      // negotiate (it refuses without one).
      return "videoconvert ! v4l2h264enc extra-controls=\"controls,repeat_sequence_header=1,"
             "video_bitrate=" +
             bps + ",h264_i_frame_period=" + gop + "\" ! video/x-h264,level=(string)4";
    case EncoderChoice::kNvV4l2: {
      std::string in;
      if (!nvmm) {
        add({"videoconvert", "nvvidconv"});
        in = "videoconvert ! nvvidconv ! video/x-raw(memory:NVMM),format=NV12 ! ";
      }
      add({"nvv4l2h264enc"});
      return in + "nvv4l2h264enc bitrate=" + bps + " iframeinterval=" + gop +
             " idrinterval=" + gop + " insert-sps-pps=true";
    }
    case EncoderChoice::kAuto:
    case EncoderChoice::kNone:
      break;
  }
  return "";
}

bool KnownX264Preset(const std::string& preset) {
  for (const char* p : {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                        "slower", "veryslow", "placebo"}) {
    if (preset == p) return true;
  }
  return false;
}

}  // namespace

std::string PackageForElement(const std::string& factory) {
  static const std::map<std::string, std::string> kPackages = {
      {"videotestsrc", "gstreamer1.0-plugins-base"}, {"videoconvert", "gstreamer1.0-plugins-base"},
      {"appsink", "gstreamer1.0-plugins-base"},      {"parsebin", "gstreamer1.0-plugins-base"},
      {"decodebin", "gstreamer1.0-plugins-base"},    {"filesrc", "libgstreamer1.0-0"},
      {"x264enc", "gstreamer1.0-plugins-ugly"},      {"openh264enc", "gstreamer1.0-plugins-bad"},
      {"h264parse", "gstreamer1.0-plugins-bad"},     {"v4l2src", "gstreamer1.0-plugins-good"},
      {"v4l2h264enc", "gstreamer1.0-plugins-good"},  {"rtspsrc", "gstreamer1.0-plugins-good"},
      {"rtph264depay", "gstreamer1.0-plugins-good"}, {"libcamerasrc", "gstreamer1.0-libcamera"},
      {"nvarguscamerasrc", "nvidia-l4t-gstreamer"},  {"nvv4l2h264enc", "nvidia-l4t-gstreamer"},
      {"nvvidconv", "nvidia-l4t-gstreamer"},         {"jpegdec", "gstreamer1.0-plugins-good"},
  };
  auto it = kPackages.find(factory);
  return it == kPackages.end() ? "the GStreamer plugin that provides it" : it->second;
}

StatusOr<PipelinePlan> BuildPipelinePlan(const CameraSpec& spec, const ElementProbe& probe) {
  if (!KnownX264Preset(spec.x264_speed_preset)) {
    return InvalidArgumentError("camera " + spec.name + ": unknown x264 speed preset \"" +
                                spec.x264_speed_preset + "\" (ultrafast … veryslow)");
  }
  KEDGE_ASSIGN_OR_RETURN(SourcePart source, MakeSource(spec, probe));
  PipelinePlan plan;
  plan.elements = source.elements;
  KEDGE_ASSIGN_OR_RETURN(plan.encoder, ChooseEncoder(spec, source, probe));
  plan.description = source.text;
  if (plan.encoder != EncoderChoice::kNone) {
    plan.description += " ! " + EncoderPart(spec, plan.encoder, source.nvmm, &plan.elements);
  }
  plan.description +=
      " ! h264parse config-interval=-1 ! video/x-h264,stream-format=avc,"
      "alignment=au ! appsink name=" +
      std::string(kSinkName) +
      " emit-signals=false sync=false enable-last-sample=false drop=false "
      "max-buffers=" +
      std::to_string(spec.max_queued_frames);
  plan.elements.push_back("h264parse");
  plan.elements.push_back("appsink");
  for (const std::string& element : plan.elements) {
    if (!probe.HasElement(element)) {
      return FailedPreconditionError("camera " + spec.name + ": the GStreamer element " + element +
                                     " is not installed (install " + PackageForElement(element) +
                                     ")");
    }
  }
  return plan;
}

}  // namespace kedge::video
