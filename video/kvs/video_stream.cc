#include "video/kvs/video_stream.h"

#include <pthread.h>

#include <algorithm>

#include "platform/logging.h"

namespace kedge::video::kvs {
namespace {

constexpr int64_t kNsPerMs = 1000000;

}  // namespace

StatusOr<std::unique_ptr<VideoStream>> VideoStream::Create(VideoStreamOptions options,
                                                           aws::CredentialsProvider& credentials,
                                                           Clock& clock, Env& env,
                                                           KvsUploader::OutcomeCallback on_outcome) {
  if (options.upload.stream_name.empty()) {
    return InvalidArgumentError("a video stream needs a stream name");
  }
  KEDGE_ASSIGN_OR_RETURN(options.camera, ValidateCameraSpec(options.camera));
  std::unique_ptr<VideoStream> stream(
      new VideoStream(std::move(options), credentials, clock, env, std::move(on_outcome)));
  KEDGE_ASSIGN_OR_RETURN(stream->store_,
                         FragmentStore::Open(stream->options_.store, env, clock));
  GstCapture::Options capture;
  capture.spec = stream->options_.camera;
  VideoStream* self = stream.get();
  capture.on_frame = [self](CapturedFrame&& frame) { self->OnFrame(std::move(frame)); };
  capture.on_error = [self](const Status& status) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "camera " << self->options_.camera.name << ": " << status.message();
  };
  capture.max_restarts = IsLiveSource(stream->options_.camera) ? -1 : 0;
  KEDGE_ASSIGN_OR_RETURN(stream->capture_, GstCapture::Create(std::move(capture), clock, env));
  stream->http_ = net::NewCurlHttpClient(stream->options_.http);
  return stream;
}

VideoStream::VideoStream(VideoStreamOptions options, aws::CredentialsProvider& credentials,
                         Clock& clock, Env& env, KvsUploader::OutcomeCallback on_outcome)
    : options_(std::move(options)),
      credentials_(credentials),
      clock_(clock),
      on_outcome_(std::move(on_outcome)) {}

VideoStream::~VideoStream() { (void)Stop(); }

Status VideoStream::Start() {
  if (started_) return FailedPreconditionError("video stream already started");
  started_ = true;
  upload_thread_ = std::thread([this] { UploadLoop(); });
  Status started = capture_->Start();
  if (!started.ok()) {
    stop_upload_ = true;
    http_->Wakeup();
    upload_thread_.join();
    finished_ = true;
  }
  return started;
}

Status VideoStream::Wait() {
  if (!started_ || finished_) return Status();
  Status captured = capture_->Wait();
  return Finish(captured);
}

Status VideoStream::Stop() {
  if (!started_ || finished_) return Status();
  capture_->Stop();
  return Finish(capture_->Wait());
}

Status VideoStream::Finish(Status capture_status) {
  finished_ = true;
  // The capture thread is gone: the fragmenter is ours now.
  if (fragmenter_) {
    if (std::optional<mkv::Fragment> last = fragmenter_->Flush()) StoreFragment(std::move(*last));
  }
  stop_upload_ = true;
  http_->Wakeup();
  if (upload_thread_.joinable()) upload_thread_.join();
  Status upload = upload_error();
  if (!upload.ok()) return upload;
  return capture_status;
}

Status VideoStream::upload_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return upload_error_;
}

VideoStreamStats VideoStream::stats() const {
  VideoStreamStats s;
  s.capture = capture_->stats();
  s.store = store_->stats();
  std::lock_guard<std::mutex> lock(mu_);
  s.fragmenter = fragmenter_stats_;
  s.fragments_stored = fragments_stored_;
  s.store_errors = store_errors_;
  s.upload = uploader_ != nullptr ? uploader_->stats() : upload_stats_;
  return s;
}

// ---- capture thread ----

Status VideoStream::EnsureFragmenter(const CapturedFrame& frame) {
  if (frame.format && !frame.format->codec_data.empty() &&
      frame.format->codec_data != codec_data_) {
    codec_data_ = frame.format->codec_data;
    if (fragmenter_) return fragmenter_->SetCodecPrivate(codec_data_);
  }
  if (fragmenter_) return Status();
  mkv::MkvFragmenter::Options options;
  options.codec_private = codec_data_;
  // The encoder's key-frame interval is the fragment duration; cutting at the first key frame
  // past half of it keeps one fragment per GOP even when an extra IDR (a scene cut) appears.
  options.fragment_duration_ns = options_.camera.fragment_duration_ms * kNsPerMs / 2;
  if (frame.format && frame.format->fps_num > 0) {
    options.default_frame_duration_ns =
        1000000000LL * frame.format->fps_den / frame.format->fps_num;
  }
  // Capture already anchored producer time to the wall clock (and keeps it increasing across
  // pipeline restarts): anchor the fragmenter at exactly that time.
  options.start_time_ms = frame.producer_time_ns / kNsPerMs;
  options.stream_name = options_.upload.stream_name;
  KEDGE_ASSIGN_OR_RETURN(fragmenter_, mkv::MkvFragmenter::Create(std::move(options), clock_));
  return Status();
}

void VideoStream::OnFrame(CapturedFrame&& captured) {
  Status ready = EnsureFragmenter(captured);
  if (!ready.ok()) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "camera " << options_.camera.name << ": " << ready.message();
    if (!fragmenter_) return;
  }
  Frame frame;
  frame.data = std::move(captured.data);
  frame.pts_ns = captured.producer_time_ns;
  frame.duration_ns = captured.duration_ns;
  frame.key = captured.key;
  StatusOr<std::optional<mkv::Fragment>> closed = fragmenter_->AddFrame(frame);
  if (!closed.ok()) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "camera " << options_.camera.name << ": frame dropped: " << closed.status().message();
  } else if (*closed) {
    StoreFragment(std::move(**closed));
  }
  std::lock_guard<std::mutex> lock(mu_);
  fragmenter_stats_ = fragmenter_->stats();
}

void VideoStream::StoreFragment(mkv::Fragment&& fragment) {
  if (!fragment.header.empty()) {
    header_ = fragment.header;
  } else if (header_.empty()) {
    StatusOr<mkv::Bytes> header = fragmenter_->SessionHeader();
    if (header.ok()) header_ = *header;
  }
  FragmentMeta meta;
  meta.timecode_ms = fragment.info.timecode_ms;
  meta.duration_ms = fragment.info.duration_ms;
  meta.key = fragment.info.key;
  meta.session_start = !header_.empty();
  // Stored self-contained: the session header in front of every fragment.
  StatusOr<FragmentMeta> stored = store_->Append(
      meta, std::string_view(reinterpret_cast<const char*>(header_.data()), header_.size()),
      std::string_view(reinterpret_cast<const char*>(fragment.bytes.data()),
                       fragment.bytes.size()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++(stored.ok() ? fragments_stored_ : store_errors_);
  }
  if (!stored.ok()) {
    KEDGE_LOG_EVERY(kError, std::chrono::seconds(10))
        << "camera " << options_.camera.name << ": fragment " << meta.timecode_ms
        << " not stored: " << stored.status().message();
  }
  http_->Wakeup();
}

// ---- upload thread ----

void VideoStream::UploadLoop() {
  std::string name = "kvs-" + options_.camera.name;
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  KvsUploader uploader(options_.upload, *http_, credentials_, *store_, clock_, on_outcome_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    uploader_ = &uploader;
  }
  bool draining = false;
  while (true) {
    uploader.Tick();
    if (uploader.Done()) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      upload_error_ = uploader.fatal_error();
    }
    if (stop_upload_.load() && !draining) {
      draining = true;
      uploader.BeginDrain(clock_.Now() + options_.drain_timeout);
      continue;
    }
    auto wait = std::chrono::duration_cast<Millis>(uploader.NextDeadline() - clock_.Now());
    http_->Poll(std::clamp(wait, Millis(0), Millis(1000)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  upload_stats_ = uploader.stats();
  upload_error_ = uploader.fatal_error();
  uploader_ = nullptr;
}

}  // namespace kedge::video::kvs
