#include "agent/cameras/camera_set.h"

#include <algorithm>
#include <future>
#include <map>

#include "platform/logging.h"
#if KEDGE_WITH_VIDEO
#include "agent/aws_credentials.h"
#include "platform/aws/endpoints.h"
#include "video/kvs/video_stream.h"
#endif

namespace kedge::agent {

#if KEDGE_WITH_VIDEO

namespace kvs = video::kvs;

namespace {

constexpr Millis kRetryStart{30000};
const std::vector<double> kLatencyBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300};

StatusOr<kvs::VideoStreamOptions> StreamOptions(const CameraConfig& c, const std::string& state_dir,
                                                Env& env) {
  kvs::VideoStreamOptions o;
  o.camera.name = c.name;
  KEDGE_ASSIGN_OR_RETURN(o.camera.source, video::ParseSourceSpec(c.source));
  KEDGE_ASSIGN_OR_RETURN(o.camera.encoder, video::ParseEncoderChoice(c.encoder));
  o.camera.width = c.width;
  o.camera.height = c.height;
  o.camera.fps = c.fps;
  o.camera.bitrate_kbps = c.bitrate_kbps;
  o.camera.fragment_duration_ms = c.fragment_seconds * 1000;
  // A file or a finite test source is a demo camera: play it in a loop.
  o.camera.loop = !video::IsLiveSource(o.camera);
  o.store.dir = c.StoreDir(state_dir);
  o.store.max_bytes = c.store_max_bytes;
  o.store.max_age = c.store_max_age;
  o.upload.stream_name = c.stream;
  o.upload.create_stream = c.create_stream;
  o.upload.retention_hours = c.retention_hours;
  StatusOr<std::string> region = aws::ResolveRegion(c.region, env);
  if (region.ok()) {
    o.upload.region = *region;
  } else if (!c.endpoint.empty()) {
    o.upload.region = "us-east-1";  // a local endpoint needs no real region
  } else {
    return region.status();
  }
  KEDGE_ASSIGN_OR_RETURN(o.upload.control_endpoint,
                         aws::ResolveEndpoint("kinesisvideo", o.upload.region, c.endpoint, env));
  o.http.tls.ca_file = c.ca_file;
  o.drain_timeout = c.drain_timeout;
  return o;
}

}  // namespace

struct CameraSet::Camera {
  CameraConfig config;
  std::unique_ptr<aws::CredentialsProvider> credentials;
  std::unique_ptr<kvs::VideoStream> stream;
  SteadyTime retry_at{};
  std::map<std::string, uint64_t> exported;  // counter values already added to the registry
  uint64_t last_bytes_sent = 0;
};

CameraSet::CameraSet(Env& env, Clock& clock) : env_(env), clock_(clock) {}

CameraSet::~CameraSet() { StopAll(); }

size_t CameraSet::running() const {
  size_t n = 0;
  for (const auto& c : cameras_) n += c->stream != nullptr;
  return n;
}

void CameraSet::TryStart(Camera& camera) {
  const CameraConfig& c = camera.config;
  StatusOr<kvs::VideoStreamOptions> options = StreamOptions(c, state_dir_, env_);
  std::string name = c.name;
  auto observe = [this, name](const kvs::FragmentOutcome& o) {
    if (o.type == kvs::AckType::kError) return;
    std::lock_guard<std::mutex> lock(metrics_mu_);
    if (metrics_ == nullptr) return;
    metrics_
        ->GetHistogram("kedge_video_ack_latency_seconds",
                       "From a fragment's end (producer time) to its PERSISTED acknowledgement",
                       {{"camera", name}}, kLatencyBuckets)
        .Observe(o.end_to_ack.count() / 1000.0);
  };
  StatusOr<std::unique_ptr<kvs::VideoStream>> stream =
      options.ok() ? kvs::VideoStream::Create(*options, *camera.credentials, clock_, env_, observe)
                   : StatusOr<std::unique_ptr<kvs::VideoStream>>(options.status());
  Status started = stream.ok() ? (*stream)->Start() : stream.status();
  if (!started.ok()) {
    KEDGE_LOG(kError) << "camera " << c.name << ": " << Logger::Get().Redact(started.message())
                      << " (retrying in " << kRetryStart.count() / 1000 << " s)";
    camera.retry_at = clock_.Now() + kRetryStart;
    return;
  }
  camera.stream = std::move(*stream);
  camera.exported.clear();
  camera.last_bytes_sent = 0;
  KEDGE_LOG(kInfo) << "camera " << c.name << ": streaming "
                   << video::SourceForMessages(options->camera.source) << " " << c.width << "x"
                   << c.height << " at " << c.fps << " fps to " << c.stream << " at "
                   << options->upload.control_endpoint << " (store " << options->store.dir << ")";
}

std::unique_ptr<CameraSet::Camera> CameraSet::StartCamera(const CameraConfig& config) {
  auto camera = std::make_unique<Camera>();
  camera->config = config;
  camera->credentials = NewAgentCredentials(aws_, device_id_, env_, clock_);
  TryStart(*camera);
  return camera;
}

// Stops cameras in parallel: each drains for its own drain_timeout.
static void StopStreams(std::vector<std::unique_ptr<kvs::VideoStream>> streams) {
  for (auto& s : streams) s->RequestStop();
  std::vector<std::future<void>> done;
  for (auto& s : streams) {
    kvs::VideoStream* stream = s.get();
    done.push_back(std::async(std::launch::async, [stream] {
      Status stopped = stream->Stop();
      kvs::VideoStreamStats st = stream->stats();
      KEDGE_LOG(kInfo) << "camera " << stream->options().camera.name
                       << " stopped: " << st.upload.fragments_persisted
                       << " fragments acknowledged, " << st.store.fragments << " kept in "
                       << stream->options().store.dir
                       << (stopped.ok() ? "" : "; " + stopped.message());
    }));
  }
  for (auto& d : done) d.wait();
}

void CameraSet::Apply(const AgentConfig& config) {
  const std::vector<CameraConfig>& configs = config.cameras;
  std::string device_id = config.device_id.empty() ? DefaultDeviceId() : config.device_id;
  bool same_context = config.state_dir == state_dir_ && SameAws(config.aws, aws_) &&
                      device_id == device_id_;
  std::vector<std::unique_ptr<kvs::VideoStream>> stopping;
  std::vector<std::unique_ptr<Camera>> kept;
  for (auto& camera : cameras_) {
    bool same = false;
    for (const CameraConfig& c : configs) same = same || camera->config.SameSettings(c);
    same = same && same_context;
    if (same) {
      kept.push_back(std::move(camera));
    } else if (camera->stream) {
      KEDGE_LOG(kInfo) << "camera " << camera->config.name << ": settings changed or removed";
      stopping.push_back(std::move(camera->stream));
    }
  }
  StopStreams(std::move(stopping));
  cameras_ = std::move(kept);
  state_dir_ = config.state_dir;
  aws_ = config.aws;
  device_id_ = device_id;
  for (const CameraConfig& c : configs) {
    bool running = false;
    for (const auto& camera : cameras_) running = running || camera->config.name == c.name;
    if (!running) cameras_.push_back(StartCamera(c));
  }
}

void CameraSet::StopAll() {
  std::vector<std::unique_ptr<kvs::VideoStream>> streams;
  for (auto& camera : cameras_) {
    if (camera->stream) streams.push_back(std::move(camera->stream));
  }
  cameras_.clear();
  StopStreams(std::move(streams));
}

void CameraSet::AttachMetrics(MetricsRegistry* metrics) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  metrics_ = metrics;
  for (auto& camera : cameras_) {
    camera->exported.clear();  // a new registry starts from zero
    camera->last_bytes_sent = 0;
  }
  next_export_ = SteadyTime{};
}

void CameraSet::Tick() {
  SteadyTime now = clock_.Now();
  for (auto& camera : cameras_) {
    if (!camera->stream && now >= camera->retry_at) TryStart(*camera);
    if (camera->stream && !camera->stream->upload_error().ok()) {
      KEDGE_LOG_EVERY(kError, std::chrono::seconds(60))
          << "camera " << camera->config.name << ": " << camera->stream->upload_error().message();
    }
  }
  if (now < next_export_) return;
  double seconds =
      last_export_ == SteadyTime{} ? 0 : std::chrono::duration<double>(now - last_export_).count();
  next_export_ = now + Millis(1000);
  last_export_ = now;
  for (auto& camera : cameras_) Export(*camera, seconds);
}

void CameraSet::Export(Camera& camera, double seconds) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  if (metrics_ == nullptr) return;
  MetricsRegistry& m = *metrics_;
  Labels labels{{"camera", camera.config.name}, {"stream", camera.config.stream}};
  auto with = [&labels](const char* key, const char* value) {
    Labels l = labels;
    l.emplace_back(key, value);
    return l;
  };
  m.GetGauge("kedge_video_camera_up", "1 while the camera runs, 0 while it waits to restart",
             labels)
      .Set(camera.stream ? 1 : 0);
  if (!camera.stream) return;
  kvs::VideoStreamStats s = camera.stream->stats();
  auto counter = [&](const char* name, const char* help, uint64_t value, const Labels& l) {
    std::string key = std::string(name);
    for (const auto& kv : l) key += "," + kv.second;
    uint64_t& last = camera.exported[key];
    if (value < last) last = 0;
    m.GetCounter(name, help, l).Increment(value - last);
    last = value;
  };
  counter("kedge_video_frames_total", "Frames captured", s.capture.frames, labels);
  const char* dropped_help =
      "Frames dropped (capture: appsink rules; fragmenter: no key "
      "frame yet, bad time or data)";
  counter("kedge_video_frames_dropped_total", dropped_help, s.capture.dropped,
          with("stage", "capture"));
  const video::mkv::MkvFragmenter::Stats& f = s.fragmenter;
  counter("kedge_video_frames_dropped_total", dropped_help,
          f.frames_dropped_no_key + f.frames_dropped_no_codec + f.frames_dropped_bad_time +
              f.frames_dropped_bad_data,
          with("stage", "fragmenter"));
  counter("kedge_video_fragments_stored_total", "Fragments written to the store",
          s.fragments_stored, labels);
  counter("kedge_video_fragments_sent_total", "Fragments sent (resends included)",
          s.upload.fragments_sent, labels);
  counter("kedge_video_fragments_acknowledged_total",
          "Fragments released from the store on PERSISTED (RECEIVED without retention)",
          s.upload.fragments_persisted, labels);
  const char* lost_help =
      "Fragments given up: refused by the service, or dropped by the "
      "store's max_bytes / max_age";
  counter("kedge_video_fragments_dropped_total", lost_help, s.upload.fragments_skipped,
          with("reason", "refused"));
  counter("kedge_video_fragments_dropped_total", lost_help, s.store.dropped_full,
          with("reason", "store_full"));
  counter("kedge_video_fragments_dropped_total", lost_help, s.store.dropped_age,
          with("reason", "store_age"));
  static const char* kAckTypes[] = {"buffering", "received", "persisted", "error", "idle", "other"};
  for (size_t t = 0; t < s.upload.acks_by_type.size(); ++t) {
    counter("kedge_video_acks_total", "PutMedia acknowledgements by EventType",
            s.upload.acks_by_type[t], with("type", kAckTypes[t]));
  }
  counter("kedge_video_upload_bytes_total", "Bytes sent in PutMedia bodies", s.upload.bytes_sent,
          labels);
  counter("kedge_video_sessions_total", "PutMedia sessions started", s.upload.sessions, labels);
  counter("kedge_video_session_failures_total", "PutMedia sessions that failed",
          s.upload.session_failures, labels);
  counter("kedge_video_upload_paced_total",
          "Times a fragment waited for the stream's fragments/bytes per second limits",
          s.upload.paced, labels);
  m.GetGauge("kedge_video_fragments_buffered", "Fragments in the store, not yet acknowledged",
             labels)
      .Set(s.store.fragments);
  m.GetGauge("kedge_video_store_bytes", "Bytes in the fragment store", labels).Set(s.store.bytes);
  int64_t age_ms = s.store.oldest_timecode_ms > 0
                       ? ToUnixMillis(clock_.WallNow()) - s.store.oldest_timecode_ms
                       : 0;
  m.GetGauge("kedge_video_store_oldest_fragment_age_seconds",
             "Age of the oldest fragment not yet acknowledged (producer time)", labels)
      .Set(std::max<int64_t>(age_ms, 0) / 1000.0);
  if (seconds > 0 && s.upload.bytes_sent >= camera.last_bytes_sent) {
    m.GetGauge("kedge_video_upload_bitrate_bps", "Upload rate over the last second, bits/s", labels)
        .Set((s.upload.bytes_sent - camera.last_bytes_sent) * 8 / seconds);
  }
  camera.last_bytes_sent = s.upload.bytes_sent;
}

#else  // KEDGE_WITH_VIDEO

struct CameraSet::Camera {};
CameraSet::CameraSet(Env& env, Clock& clock) : env_(env), clock_(clock) {}
CameraSet::~CameraSet() = default;
void CameraSet::Apply(const AgentConfig&) {}
void CameraSet::AttachMetrics(MetricsRegistry*) {}
void CameraSet::Tick() {}
void CameraSet::StopAll() {}
size_t CameraSet::running() const { return 0; }

#endif  // KEDGE_WITH_VIDEO

}  // namespace kedge::agent
