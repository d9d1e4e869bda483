#include "video/capture/gst_probe.h"

#include <gst/gst.h>

#include <mutex>
#include <string>
#include <vector>

namespace kedge::video {
namespace {

constexpr GstClockTime kFileProbeTimeout = 10 * GST_SECOND;

// Caps names of the streams parsebin found, and the fakesinks that let it preroll.
struct FileProbeState {
  GstElement* pipeline = nullptr;
  std::mutex mu;
  std::vector<std::string> media;  // guarded by mu
};

void OnParsebinPad(GstElement*, GstPad* pad, gpointer data) {
  auto* state = static_cast<FileProbeState*>(data);
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  if (caps != nullptr && gst_caps_get_size(caps) > 0) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->media.push_back(gst_structure_get_name(gst_caps_get_structure(caps, 0)));
  }
  if (caps != nullptr) gst_caps_unref(caps);
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  if (sink == nullptr) return;
  gst_bin_add(GST_BIN(state->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sink_pad);
  gst_object_unref(sink_pad);
}

std::string ErrorText(GstMessage* msg) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string text = err ? err->message : "unknown error";
  if (err) g_error_free(err);
  g_free(debug);
  return text;
}

}  // namespace

Status EnsureGstInitialized() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    GError* err = nullptr;
    if (!gst_init_check(nullptr, nullptr, &err)) {
      error = std::string("GStreamer could not start: ") + (err ? err->message : "unknown error");
      if (err) g_error_free(err);
    }
  });
  if (!error.empty()) return FailedPreconditionError(error);
  return Status::Ok();
}

bool GstElementProbe::HasElement(const std::string& factory) const {
  if (!EnsureGstInitialized().ok()) return false;
  GstElementFactory* f = gst_element_factory_find(factory.c_str());
  if (f == nullptr) return false;
  gst_object_unref(f);
  return true;
}

bool GstElementProbe::DeviceExists(const std::string& path) const { return env_.FileExists(path); }

StatusOr<SourceModes> GstElementProbe::ProbeSource(const CameraSpec& spec) const {
  KEDGE_RETURN_IF_ERROR(EnsureGstInitialized());
  SourceModes modes;
  switch (spec.source.kind) {
    case SourceKind::kV4l2:
      return ProbeV4l2(spec);
    case SourceKind::kFile: {
      KEDGE_ASSIGN_OR_RETURN(bool h264, FileHasH264(spec.source.path));
      modes.h264 = h264;
      modes.raw = !h264;
      return modes;
    }
    case SourceKind::kRtsp:
      modes.h264 = true;
      return modes;
    default:
      modes.raw = true;
      return modes;
  }
}

StatusOr<SourceModes> GstElementProbe::ProbeV4l2(const CameraSpec& spec) const {
  const std::string& device = spec.source.device;
  GstElement* src = gst_element_factory_make("v4l2src", nullptr);
  if (src == nullptr) {
    return FailedPreconditionError(
        "the GStreamer element v4l2src is not installed (install gstreamer1.0-plugins-good)");
  }
  g_object_set(src, "device", device.c_str(), nullptr);
  if (gst_element_set_state(src, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(src, GST_STATE_NULL);
    gst_object_unref(src);
    return UnavailableError("camera " + device +
                            " cannot be opened (in use by another program, not a capture device, "
                            "or no permission: add the user to the video group)");
  }
  GstPad* pad = gst_element_get_static_pad(src, "src");
  GstCaps* offered = gst_pad_query_caps(pad, nullptr);
  gst_object_unref(pad);
  gst_element_set_state(src, GST_STATE_NULL);
  gst_object_unref(src);
  if (offered == nullptr || gst_caps_is_empty(offered)) {
    if (offered) gst_caps_unref(offered);
    return FailedPreconditionError("camera " + device +
                                   " offers no video formats (a metadata node? a camera often has "
                                   "two /dev/video devices; try the other one)");
  }
  auto offers = [&](const char* media) {
    std::string mode = std::string(media) + ",width=" + std::to_string(spec.width) +
                       ",height=" + std::to_string(spec.height) +
                       ",framerate=" + std::to_string(spec.fps) + "/1";
    GstCaps* wanted = gst_caps_from_string(mode.c_str());
    bool ok = wanted != nullptr && gst_caps_can_intersect(offered, wanted);
    if (wanted) gst_caps_unref(wanted);
    return ok;
  };
  SourceModes modes;
  modes.h264 = offers("video/x-h264");
  modes.raw = offers("video/x-raw");
  modes.jpeg = offers("image/jpeg");
  gst_caps_unref(offered);
  return modes;
}

StatusOr<bool> GstElementProbe::FileHasH264(const std::string& path) const {
  if (!env_.FileExists(path)) return NotFoundError("video file " + path + " does not exist");
  if (!HasElement("parsebin")) {
    return FailedPreconditionError(
        "the GStreamer element parsebin is not installed (install gstreamer1.0-plugins-base)");
  }
  FileProbeState state;
  state.pipeline = gst_pipeline_new("kedge-probe");
  GstElement* src = gst_element_factory_make("filesrc", nullptr);
  GstElement* parse = gst_element_factory_make("parsebin", nullptr);
  g_object_set(src, "location", path.c_str(), nullptr);
  gst_bin_add_many(GST_BIN(state.pipeline), src, parse, nullptr);
  gst_element_link(src, parse);
  g_signal_connect(parse, "pad-added", G_CALLBACK(OnParsebinPad), &state);

  std::string error;
  if (gst_element_set_state(state.pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    error = "cannot be opened";
  }
  GstBus* bus = gst_element_get_bus(state.pipeline);
  while (error.empty()) {
    GstMessage* msg = gst_bus_timed_pop_filtered(
        bus, kFileProbeTimeout,
        static_cast<GstMessageType>(GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR));
    if (msg == nullptr) {
      error = "timed out reading the file's streams";
      break;
    }
    bool done = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ASYNC_DONE;
    if (!done) error = ErrorText(msg);
    gst_message_unref(msg);
    if (done) break;
  }
  gst_object_unref(bus);
  gst_element_set_state(state.pipeline, GST_STATE_NULL);
  gst_object_unref(state.pipeline);
  if (!error.empty()) return InvalidArgumentError("video file " + path + ": " + error);

  bool video = false;
  for (const std::string& media : state.media) {
    if (media == "video/x-h264") return true;
    if (media.rfind("video/", 0) == 0) video = true;
  }
  if (!video) return InvalidArgumentError("video file " + path + " has no video stream");
  return false;
}

}  // namespace kedge::video
