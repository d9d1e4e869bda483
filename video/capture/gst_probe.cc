#include "video/capture/gst_probe.h"

#include <mutex>
#include <string>
#include <vector>

#include "video/capture/gst_library.h"

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
  GstCaps* caps = Gst().pad_get_current_caps(pad);
  if (caps == nullptr) caps = Gst().pad_query_caps(pad, nullptr);
  if (caps != nullptr && Gst().caps_get_size(caps) > 0) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->media.push_back(Gst().structure_get_name(Gst().caps_get_structure(caps, 0)));
  }
  if (caps != nullptr) Gst().Unref(caps);
  GstElement* sink = Gst().element_factory_make("fakesink", nullptr);
  if (sink == nullptr) return;
  Gst().bin_add(GST_BIN(state->pipeline), sink);
  Gst().element_sync_state_with_parent(sink);
  GstPad* sink_pad = Gst().element_get_static_pad(sink, "sink");
  Gst().pad_link(pad, sink_pad);
  Gst().object_unref(sink_pad);
}

std::string ErrorText(GstMessage* msg) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  Gst().message_parse_error(msg, &err, &debug);
  std::string text = err ? err->message : "unknown error";
  if (err) Gst().error_free(err);
  Gst().free(debug);
  return text;
}

}  // namespace

Status EnsureGstInitialized() { return LoadGstLibrary().status(); }

bool GstElementProbe::HasElement(const std::string& factory) const {
  if (!EnsureGstInitialized().ok()) return false;
  GstElementFactory* f = Gst().element_factory_find(factory.c_str());
  if (f == nullptr) return false;
  Gst().object_unref(f);
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
  GstElement* src = Gst().element_factory_make("v4l2src", nullptr);
  if (src == nullptr) {
    return FailedPreconditionError(
        "the GStreamer element v4l2src is not installed (install gstreamer1.0-plugins-good)");
  }
  Gst().object_set(src, "device", device.c_str(), nullptr);
  if (Gst().element_set_state(src, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    Gst().element_set_state(src, GST_STATE_NULL);
    Gst().object_unref(src);
    return UnavailableError("camera " + device +
                            " cannot be opened (in use by another program, not a capture device, "
                            "or no permission: add the user to the video group)");
  }
  GstPad* pad = Gst().element_get_static_pad(src, "src");
  GstCaps* offered = Gst().pad_query_caps(pad, nullptr);
  Gst().object_unref(pad);
  Gst().element_set_state(src, GST_STATE_NULL);
  Gst().object_unref(src);
  if (offered == nullptr || Gst().caps_is_empty(offered)) {
    if (offered) Gst().Unref(offered);
    return FailedPreconditionError("camera " + device +
                                   " offers no video formats (a metadata node? a camera often has "
                                   "two /dev/video devices; try the other one)");
  }
  auto offers = [&](const char* media) {
    std::string mode = std::string(media) + ",width=" + std::to_string(spec.width) +
                       ",height=" + std::to_string(spec.height) +
                       ",framerate=" + std::to_string(spec.fps) + "/1";
    GstCaps* wanted = Gst().caps_from_string(mode.c_str());
    bool ok = wanted != nullptr && Gst().caps_can_intersect(offered, wanted);
    if (wanted) Gst().Unref(wanted);
    return ok;
  };
  SourceModes modes;
  modes.h264 = offers("video/x-h264");
  modes.raw = offers("video/x-raw");
  modes.jpeg = offers("image/jpeg");
  Gst().Unref(offered);
  return modes;
}

StatusOr<bool> GstElementProbe::FileHasH264(const std::string& path) const {
  if (!env_.FileExists(path)) return NotFoundError("video file " + path + " does not exist");
  if (!HasElement("parsebin")) {
    return FailedPreconditionError(
        "the GStreamer element parsebin is not installed (install gstreamer1.0-plugins-base)");
  }
  FileProbeState state;
  state.pipeline = Gst().pipeline_new("kedge-probe");
  GstElement* src = Gst().element_factory_make("filesrc", nullptr);
  GstElement* parse = Gst().element_factory_make("parsebin", nullptr);
  Gst().object_set(src, "location", path.c_str(), nullptr);
  Gst().bin_add(GST_BIN(state.pipeline), src);
  Gst().bin_add(GST_BIN(state.pipeline), parse);
  Gst().element_link(src, parse);
  Gst().signal_connect_data(parse, "pad-added", G_CALLBACK(OnParsebinPad), &state, nullptr,
                            GConnectFlags(0));

  std::string error;
  if (Gst().element_set_state(state.pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    error = "cannot be opened";
  }
  GstBus* bus = Gst().element_get_bus(state.pipeline);
  while (error.empty()) {
    GstMessage* msg = Gst().bus_timed_pop_filtered(
        bus, kFileProbeTimeout,
        static_cast<GstMessageType>(GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR));
    if (msg == nullptr) {
      error = "timed out reading the file's streams";
      break;
    }
    bool done = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ASYNC_DONE;
    if (!done) error = ErrorText(msg);
    Gst().Unref(msg);
    if (done) break;
  }
  Gst().object_unref(bus);
  Gst().element_set_state(state.pipeline, GST_STATE_NULL);
  Gst().object_unref(state.pipeline);
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
