#include "video/kvs/fragment_pipeline.h"

#include <pthread.h>

#include <algorithm>

#include "platform/logging.h"

namespace kedge::video::kvs {
namespace {

constexpr int64_t kNsPerMs = 1000000;

}  // namespace

StatusOr<std::unique_ptr<FragmentPipeline>> FragmentPipeline::Create(
    FragmentPipelineOptions options, aws::CredentialsProvider& credentials, Clock& clock, Env& env,
    KvsUploader::OutcomeCallback on_outcome) {
  if (options.upload.stream_name.empty()) {
    return InvalidArgumentError("a video stream needs a stream name");
  }
  std::unique_ptr<FragmentPipeline> pipeline(
      new FragmentPipeline(std::move(options), credentials, clock, std::move(on_outcome)));
  KEDGE_ASSIGN_OR_RETURN(pipeline->store_,
                         FragmentStore::Open(pipeline->options_.store, env, clock));
  pipeline->http_ = net::NewCurlHttpClient(pipeline->options_.http);
  return pipeline;
}

FragmentPipeline::FragmentPipeline(FragmentPipelineOptions options,
                                   aws::CredentialsProvider& credentials, Clock& clock,
                                   KvsUploader::OutcomeCallback on_outcome)
    : options_(std::move(options)),
      credentials_(credentials),
      clock_(clock),
      on_outcome_(std::move(on_outcome)) {}

FragmentPipeline::~FragmentPipeline() { (void)Finish(); }

Status FragmentPipeline::Start() {
  if (started_) return FailedPreconditionError("video stream already started");
  started_ = true;
  upload_thread_ = std::thread([this] { UploadLoop(); });
  return Status();
}

Status FragmentPipeline::Finish() {
  if (finished_) return upload_error();
  finished_ = true;
  // The producer is gone: the fragmenter is ours now.
  if (fragmenter_) {
    if (std::optional<mkv::Fragment> last = fragmenter_->Flush()) StoreFragment(std::move(*last));
    std::lock_guard<std::mutex> lock(mu_);
    fragmenter_stats_ = fragmenter_->stats();
  }
  stop_upload_ = true;
  http_->Wakeup();
  if (upload_thread_.joinable()) upload_thread_.join();
  return upload_error();
}

bool FragmentPipeline::WaitForStoreBelow(uint64_t bytes, const std::atomic<bool>& cancel) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (cancel.load() || upload_ended_) return false;
    lock.unlock();
    bool room = store_->stats().bytes <= bytes;
    lock.lock();
    if (room) return true;
    room_.wait_for(lock, Millis(200));
  }
}

Status FragmentPipeline::upload_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return upload_error_;
}

FragmentPipelineStats FragmentPipeline::stats() const {
  FragmentPipelineStats s;
  s.store = store_->stats();
  std::lock_guard<std::mutex> lock(mu_);
  s.fragmenter = fragmenter_stats_;
  s.fragments_stored = fragments_stored_;
  s.store_errors = store_errors_;
  s.upload = uploader_ != nullptr ? uploader_->stats() : upload_stats_;
  return s;
}

// ---- producer thread ----

Status FragmentPipeline::EnsureFragmenter(const Frame& frame, const StreamFormat* format) {
  if (format && !format->codec_data.empty() && format->codec_data != codec_data_) {
    codec_data_ = format->codec_data;
    if (fragmenter_) return fragmenter_->SetCodecPrivate(codec_data_);
  }
  if (fragmenter_) return Status();
  mkv::MkvFragmenter::Options options;
  options.input_format = options_.input_format;
  options.codec_private = codec_data_;
  options.fragment_duration_ns = options_.fragment_duration_ms * kNsPerMs / 2;
  if (format && format->fps_num > 0) {
    options.default_frame_duration_ns = 1000000000LL * format->fps_den / format->fps_num;
  }
  options.start_time_ms =
      options_.start_time_ms != 0 ? options_.start_time_ms : frame.pts_ns / kNsPerMs;
  options.stream_name = options_.upload.stream_name;
  KEDGE_ASSIGN_OR_RETURN(fragmenter_, mkv::MkvFragmenter::Create(std::move(options), clock_));
  return Status();
}

void FragmentPipeline::AddFrame(Frame&& frame, const StreamFormat* format) {
  Status ready = EnsureFragmenter(frame, format);
  if (!ready.ok()) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "video " << options_.name << ": " << ready.message();
    if (!fragmenter_) return;
  }
  StatusOr<std::optional<mkv::Fragment>> closed = fragmenter_->AddFrame(frame);
  if (!closed.ok()) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "video " << options_.name << ": frame dropped: " << closed.status().message();
  } else if (*closed) {
    StoreFragment(std::move(**closed));
  }
  std::lock_guard<std::mutex> lock(mu_);
  fragmenter_stats_ = fragmenter_->stats();
}

void FragmentPipeline::StoreFragment(mkv::Fragment&& fragment) {
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
        << "video " << options_.name << ": fragment " << meta.timecode_ms
        << " not stored: " << stored.status().message();
  }
  http_->Wakeup();
}

// ---- upload thread ----

void FragmentPipeline::OnOutcome(const FragmentOutcome& outcome) {
  if (on_outcome_) on_outcome_(outcome);
  room_.notify_all();
}

void FragmentPipeline::UploadLoop() {
  std::string name = "kvs-" + options_.name;
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  KvsUploader uploader(options_.upload, *http_, credentials_, *store_, clock_,
                       [this](const FragmentOutcome& o) { OnOutcome(o); });
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    upload_stats_ = uploader.stats();
    upload_error_ = uploader.fatal_error();
    uploader_ = nullptr;
    upload_ended_ = true;
  }
  room_.notify_all();
}

}  // namespace kedge::video::kvs
