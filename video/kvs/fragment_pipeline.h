#pragma once
// FragmentPipeline: the part of a video stream after the frames — MkvFragmenter -> FragmentStore
// (on disk, fsynced) -> KvsUploader (its own thread `kvs-<name>` and HttpClient) -> PutMedia.
// Whoever produces frames (a camera's GstCapture, a file demuxer) calls AddFrame on its own
// thread; the upload thread is woken whenever a fragment is stored. Fragments are stored
// self-contained (session header + [Tags] + Cluster) so any of them can open a PutMedia session
// after a reconnect or a restart.
//
// Lifecycle: Create (opens the store: fragments left by a previous run are sent first), Start
// (the upload thread), AddFrame... from one producer thread, then Finish (stores the open
// fragment, uploads what is stored within drain_timeout, joins). What is not acknowledged stays
// in the store. stats(), upload_error() and WaitForStoreBelow() may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "platform/net/http_client.h"
#include "video/capture/captured_frame.h"
#include "video/kvs/kvs_uploader.h"
#include "video/mkv/fragmenter.h"
#include "video/store/fragment_store.h"

namespace kedge::video::kvs {

struct FragmentPipelineOptions {
  std::string name = "camera";  // names the upload thread (`kvs-<name>`) and log lines
  FragmentStore::Options store;
  KvsUploaderOptions upload;
  net::HttpClientOptions http;
  mkv::NalFormat input_format = mkv::NalFormat::kAvc;  // of Frame::data
  // The intended fragment length (the key-frame interval of a camera). A fragment is cut at the
  // first key frame past half of it, so an extra IDR (a scene cut) does not split a GOP.
  int64_t fragment_duration_ms = 2000;
  // Epoch ms of the first frame. 0: the first frame's pts is already epoch time (a capture's
  // producer time), so it is anchored at itself.
  int64_t start_time_ms = 0;
  Millis drain_timeout{15000};
};

struct FragmentPipelineStats {
  mkv::MkvFragmenter::Stats fragmenter;
  FragmentStore::Stats store;
  UploadStats upload;
  uint64_t fragments_stored = 0;
  uint64_t store_errors = 0;
};

class FragmentPipeline {
 public:
  // `credentials`, `clock` and `env` are borrowed and must outlive the pipeline. `on_outcome`
  // runs on the upload thread for every fragment acknowledged or refused.
  static StatusOr<std::unique_ptr<FragmentPipeline>> Create(
      FragmentPipelineOptions options, aws::CredentialsProvider& credentials, Clock& clock,
      Env& env, KvsUploader::OutcomeCallback on_outcome = nullptr);
  ~FragmentPipeline();
  FragmentPipeline(const FragmentPipeline&) = delete;
  FragmentPipeline& operator=(const FragmentPipeline&) = delete;

  // Starts the upload thread.
  Status Start();
  // Producer thread: one access unit. `format`, when given, carries the codec private data
  // (AVCDecoderConfigurationRecord) and frame rate; a change of codec data starts a new session.
  // A dropped frame is counted in stats().fragmenter and logged (rate-limited).
  void AddFrame(Frame&& frame, const StreamFormat* format);
  // After the producer stopped: stores the open fragment, drains within drain_timeout, joins.
  // Returns the upload's fatal error, or OK. Idempotent.
  Status Finish();

  // Blocks until the store holds at most `bytes` payload bytes (the uploader freed room), the
  // upload thread ended, or `cancel` became true. Checks every 200 ms at least (bounded wait).
  // True when there is room.
  bool WaitForStoreBelow(uint64_t bytes, const std::atomic<bool>& cancel);

  // The upload's fatal error (the stream cannot be used), or OK.
  Status upload_error() const;
  FragmentPipelineStats stats() const;
  const FragmentPipelineOptions& options() const { return options_; }

 private:
  FragmentPipeline(FragmentPipelineOptions options, aws::CredentialsProvider& credentials,
                   Clock& clock, KvsUploader::OutcomeCallback on_outcome);
  Status EnsureFragmenter(const Frame& frame, const StreamFormat* format);
  void StoreFragment(mkv::Fragment&& fragment);
  void UploadLoop();
  void OnOutcome(const FragmentOutcome& outcome);

  FragmentPipelineOptions options_;
  aws::CredentialsProvider& credentials_;
  Clock& clock_;
  KvsUploader::OutcomeCallback on_outcome_;
  std::unique_ptr<FragmentStore> store_;
  std::unique_ptr<net::HttpClient> http_;  // used on the upload thread; Wakeup from others

  // Producer thread (and the controlling thread in Finish).
  std::unique_ptr<mkv::MkvFragmenter> fragmenter_;
  mkv::Bytes header_;  // the current session header
  std::vector<uint8_t> codec_data_;

  std::thread upload_thread_;
  std::atomic<bool> stop_upload_{false};
  bool started_ = false;
  bool finished_ = false;

  mutable std::mutex mu_;
  std::condition_variable room_;                // signalled on every outcome and at the end
  bool upload_ended_ = false;                   // guarded by mu_
  mkv::MkvFragmenter::Stats fragmenter_stats_;  // guarded by mu_
  uint64_t fragments_stored_ = 0;               // guarded by mu_
  uint64_t store_errors_ = 0;                   // guarded by mu_
  UploadStats upload_stats_;                    // guarded by mu_; the uploader's, when it ended
  Status upload_error_;                         // guarded by mu_
  KvsUploader* uploader_ = nullptr;             // guarded by mu_; set while the thread runs
};

}  // namespace kedge::video::kvs
