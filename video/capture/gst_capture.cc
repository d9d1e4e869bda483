#include "video/capture/gst_capture.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "platform/logging.h"
#include "video/capture/gst_library.h"
#include "video/capture/gst_probe.h"

namespace kedge::video {
namespace {

constexpr GstClockTime kPullTimeout = 50 * GST_MSECOND;  // how soon Stop is noticed

int64_t TimeOrNone(GstClockTime t) {
  return GST_CLOCK_TIME_IS_VALID(t) ? static_cast<int64_t>(t) : kNoCaptureTime;
}

StreamFormat FormatFromCaps(GstCaps* caps) {
  StreamFormat format;
  if (caps == nullptr || Gst().caps_get_size(caps) == 0) return format;
  const GstStructure* s = Gst().caps_get_structure(caps, 0);
  Gst().structure_get_int(s, "width", &format.width);
  Gst().structure_get_int(s, "height", &format.height);
  if (!Gst().structure_get_fraction(s, "framerate", &format.fps_num, &format.fps_den)) {
    format.fps_num = 0;
    format.fps_den = 1;
  }
  const GValue* value = Gst().structure_get_value(s, "codec_data");
  if (value != nullptr && G_VALUE_TYPE(value) == Gst().buffer_get_type()) {
    GstBuffer* buffer = GST_BUFFER_CAST(Gst().value_get_boxed(value));
    GstMapInfo map;
    if (Gst().buffer_map(buffer, &map, GST_MAP_READ)) {
      format.codec_data.assign(map.data, map.data + map.size);
      Gst().buffer_unmap(buffer, &map);
    }
  }
  return format;
}

void SetThreadName(const std::string& name) {
  // Linux limits thread names to 15 characters.
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace

StatusOr<std::unique_ptr<GstCapture>> GstCapture::Create(Options options, Clock& clock, Env& env,
                                                         const ElementProbe* probe) {
  KEDGE_RETURN_IF_ERROR(EnsureGstInitialized());
  KEDGE_ASSIGN_OR_RETURN(options.spec, ValidateCameraSpec(std::move(options.spec)));
  if (!options.on_frame) return InvalidArgumentError("GstCapture: on_frame is required");
  // The pipeline description and GStreamer's errors quote the URL.
  if (std::string password = SourcePassword(options.spec.source); !password.empty()) {
    Logger::Get().AddSecret(password);
  }
  std::unique_ptr<ElementProbe> owned;
  if (probe == nullptr) {
    owned = std::make_unique<GstElementProbe>(env);
    probe = owned.get();
  }
  KEDGE_ASSIGN_OR_RETURN(PipelinePlan plan, BuildPipelinePlan(options.spec, *probe));
  std::unique_ptr<GstCapture> capture(
      new GstCapture(std::move(options), std::move(plan), clock, probe));
  capture->owned_probe_ = std::move(owned);
  return capture;
}

GstCapture::GstCapture(Options options, PipelinePlan plan, const Clock& clock,
                       const ElementProbe* probe)
    : options_(std::move(options)), plan_(std::move(plan)), probe_(probe), anchor_(clock) {}

GstCapture::~GstCapture() { Stop(); }

Status GstCapture::Start() {
  if (started_) return FailedPreconditionError("camera " + spec().name + ": started twice");
  started_ = true;
  KEDGE_LOG(kInfo) << "camera " << spec().name << ": " << plan_.description;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void GstCapture::Stop() {
  stop_.store(true, std::memory_order_release);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status GstCapture::Wait() {
  if (!started_) return FailedPreconditionError("camera " + spec().name + ": not started");
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return finished_; });
  return final_status_;
}

GstCapture::Stats GstCapture::stats() const {
  Stats s;
  s.frames = frames_.load();
  s.key_frames = key_frames_.load();
  s.bytes = bytes_.load();
  s.dropped = dropped_.load();
  s.dropped_before_key = dropped_before_key_.load();
  s.restarts = restarts_.load();
  return s;
}

Millis GstCapture::Backoff(int failures) const {
  int64_t ms = options_.restart_initial_backoff.count();
  for (int i = 1; i < failures && ms < options_.restart_max_backoff.count(); ++i) ms *= 2;
  return Millis(std::min<int64_t>(ms, options_.restart_max_backoff.count()));
}

void GstCapture::Loop() {
  SetThreadName("video-" + spec().name);
  const bool live = IsLiveSource(spec());
  Status result;
  int failures = 0;
  for (uint32_t run = 0;; ++run) {
    bool delivered = false;
    Status status = RunOnce(run, &delivered);
    if (stopping()) break;
    // A looped file starts again at once; a run that delivered nothing is a failure instead,
    // so an empty file cannot spin.
    const bool again = status.ok() && spec().loop && delivered;
    if (status.ok() && !live && !again) break;
    if (!again) {
      if (status.ok()) {
        status = UnavailableError("camera " + spec().name + ": the source ended (end of stream)");
      }
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10)) << status.message();
      if (options_.on_error) options_.on_error(status);
      failures = delivered ? 1 : failures + 1;
    }
    if (options_.max_restarts >= 0 && restarts_.load() >= uint64_t(options_.max_restarts)) {
      if (!again) result = status;
      break;
    }
    // Interruptible by Stop; the backoff spaces out attempts to reopen a camera that went away.
    std::unique_lock<std::mutex> lock(mu_);
    if (!again && cv_.wait_for(lock, Backoff(failures), [this] { return stopping(); })) break;
    restarts_.fetch_add(1);
  }
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  final_status_ = result;
  cv_.notify_all();
}

Status GstCapture::RunOnce(uint32_t run, bool* delivered) {
  if (run > 0) {
    // The camera may have gone away (USB unplugged): probe again for a clear error.
    KEDGE_ASSIGN_OR_RETURN(plan_, BuildPipelinePlan(spec(), *probe_));
  }
  GError* err = nullptr;
  GstElement* pipeline = Gst().parse_launch(plan_.description.c_str(), &err);
  if (err != nullptr || pipeline == nullptr) {
    Status status =
        FailedPreconditionError("camera " + spec().name + ": cannot build the pipeline: " +
                                (err ? err->message : "unknown error"));
    if (err) Gst().error_free(err);
    if (pipeline) Gst().object_unref(pipeline);
    return status;
  }
  GstElement* sink = Gst().bin_get_by_name(GST_BIN(pipeline), kSinkName);
  anchor_.NewRun();
  seen_key_ = false;
  last_format_.reset();
  Status status = PullLoop(pipeline, sink, run, delivered);
  Gst().element_set_state(pipeline, GST_STATE_NULL);
  Gst().object_unref(sink);
  Gst().object_unref(pipeline);
  return status;
}

Status GstCapture::PullLoop(GstElement* pipeline, GstElement* sink, uint32_t run, bool* delivered) {
  GstBus* bus = Gst().element_get_bus(pipeline);
  Status status;
  if (Gst().element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    GstMessage* msg = Gst().bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    status = msg ? BusError(msg)
                 : UnavailableError("camera " + spec().name + ": the pipeline did not start");
    if (msg) Gst().Unref(msg);
  }
  bool eos = false;
  while (status.ok() && !stopping()) {
    GstMessage* msg = Gst().bus_pop_filtered(
        bus,
        static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_EOS));
    if (msg != nullptr) {
      if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        status = BusError(msg);
      } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
        eos = true;
      } else {
        LogWarning(msg);
      }
      Gst().Unref(msg);
      continue;
    }
    // The bus's EOS comes after the appsink took in every sample before it, so once it is seen
    // an empty pull means the end. (gst_app_sink_is_eos is also true before the sink has
    // reached PAUSED, so it cannot tell the end from a slow start.)
    GstSample* sample = Gst().app_sink_try_pull_sample(GST_APP_SINK(sink), eos ? 0 : kPullTimeout);
    if (sample == nullptr) {
      if (eos) break;
      continue;
    }
    uint64_t before = frames_.load();
    HandleSample(sample, sink, run);
    Gst().Unref(sample);
    if (frames_.load() != before) *delivered = true;
  }
  Gst().object_unref(bus);
  return status;
}

void GstCapture::LogWarning(GstMessage* msg) const {
  GError* warn = nullptr;
  Gst().message_parse_warning(msg, &warn, nullptr);
  KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
      << "camera " << spec().name << ": " << (warn ? warn->message : "warning");
  if (warn) Gst().error_free(warn);
}

Status GstCapture::BusError(GstMessage* msg) const {
  GError* err = nullptr;
  gchar* debug = nullptr;
  Gst().message_parse_error(msg, &err, &debug);
  std::string element = GST_MESSAGE_SRC(msg) ? GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)) : "pipeline";
  std::string text = "camera " + spec().name + " (" + SourceForMessages(spec().source) +
                     "): " + element + ": " + (err ? err->message : "unknown error");
  std::string details = debug ? debug : "";
  if (details.find("not-negotiated") != std::string::npos) {
    text += " (the source cannot deliver " + std::to_string(spec().width) + "x" +
            std::to_string(spec().height) + " at " + std::to_string(spec().fps) +
            " fps; `v4l2-ctl --list-formats-ext` lists a camera's modes)";
  }
  bool missing =
      err && err->domain == Gst().resource_error_quark() &&
      (err->code == GST_RESOURCE_ERROR_NOT_FOUND || err->code == GST_RESOURCE_ERROR_OPEN_READ ||
       err->code == GST_RESOURCE_ERROR_OPEN_READ_WRITE);
  if (err) Gst().error_free(err);
  Gst().free(debug);
  return missing ? NotFoundError(text) : UnavailableError(text);
}

// The pipeline's running time at this moment (clock time minus base time), -1 without a clock.
int64_t GstCapture::RunningTimeNow(GstElement* sink) {
  GstClock* clock = Gst().element_get_clock(sink);
  if (clock == nullptr) return -1;
  GstClockTime now = Gst().clock_get_time(clock);
  GstClockTime base = Gst().element_get_base_time(sink);
  Gst().object_unref(clock);
  if (!GST_CLOCK_TIME_IS_VALID(now) || !GST_CLOCK_TIME_IS_VALID(base) || now < base) return -1;
  return static_cast<int64_t>(now - base);
}

void GstCapture::HandleSample(GstSample* sample, GstElement* sink, uint32_t run) {
  GstBuffer* buffer = Gst().sample_get_buffer(sample);
  if (buffer == nullptr) return;
  FrameVerdict verdict = ClassifyBuffer(FactsFromBuffer(buffer), seen_key_);
  if (verdict != FrameVerdict::kKeep) {
    dropped_.fetch_add(1);
    if (verdict == FrameVerdict::kDropBeforeKeyFrame) dropped_before_key_.fetch_add(1);
    KEDGE_LOG_EVERY(kDebug, std::chrono::seconds(10))
        << "camera " << spec().name << ": dropped a buffer: " << FrameVerdictName(verdict);
    return;
  }
  CapturedFrame frame;
  StreamFormat format = FormatFromCaps(Gst().sample_get_caps(sample));
  if (!last_format_ || *last_format_ != format) {
    last_format_ = std::make_unique<StreamFormat>(format);
    frame.format = std::move(format);
  }
  GstMapInfo map;
  if (!Gst().buffer_map(buffer, &map, GST_MAP_READ)) {
    dropped_.fetch_add(1);
    return;
  }
  frame.data.assign(map.data, map.data + map.size);
  Gst().buffer_unmap(buffer, &map);
  frame.pts_ns = TimeOrNone(GST_BUFFER_PTS(buffer));
  frame.dts_ns = TimeOrNone(GST_BUFFER_DTS(buffer));
  frame.duration_ns = TimeOrNone(GST_BUFFER_DURATION(buffer));
  GstClockTime running = Gst().segment_to_running_time(Gst().sample_get_segment(sample),
                                                     GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
  frame.running_time_ns = GST_CLOCK_TIME_IS_VALID(running) ? int64_t(running) : frame.pts_ns;
  frame.producer_time_ns = anchor_.ProducerTime(
      frame.running_time_ns, anchor_.anchored() ? -1 : RunningTimeNow(sink));
  frame.key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  frame.run = run;
  seen_key_ = seen_key_ || frame.key;
  frames_.fetch_add(1);
  bytes_.fetch_add(frame.data.size());
  if (frame.key) key_frames_.fetch_add(1);
  options_.on_frame(std::move(frame));
}

}  // namespace kedge::video
