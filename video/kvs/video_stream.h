#pragma once
// VideoStream: one camera streamed to one Kinesis Video stream, end to end:
//   GstCapture (thread video-<name>) -> MkvFragmenter -> FragmentStore (on disk)
//   -> KvsUploader (thread kvs-<name>, with its own HttpClient) -> PutMedia.
// The capture thread fragments and stores (durably, before anything is sent); the upload thread
// is woken when a fragment is stored. Fragments are stored self-contained (session header +
// [Tags] + Cluster) so any of them can open a PutMedia session after a reconnect or a restart.
//
// Lifecycle: Create (validates, opens the store: fragments left by a previous run are sent
// first), Start, then Wait (a finite source: returns when it ended and what it captured was
// uploaded or the drain timeout passed) or Stop (stop capturing now, store the open fragment,
// upload what can be within drain_timeout). Whatever is not acknowledged stays in the store.
// Threading: Create/Start/Wait/Stop from one controlling thread; stats() from any thread.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "platform/net/http_client.h"
#include "video/capture/gst_capture.h"
#include "video/kvs/kvs_uploader.h"
#include "video/mkv/fragmenter.h"
#include "video/store/fragment_store.h"

namespace kedge::video::kvs {

struct VideoStreamOptions {
  CameraSpec camera;
  FragmentStore::Options store;
  KvsUploaderOptions upload;
  net::HttpClientOptions http;
  Millis drain_timeout{15000};
};

struct VideoStreamStats {
  GstCapture::Stats capture;
  mkv::MkvFragmenter::Stats fragmenter;
  FragmentStore::Stats store;
  UploadStats upload;
  uint64_t fragments_stored = 0;
  uint64_t store_errors = 0;
};

class VideoStream {
 public:
  // `credentials` and `clock`, `env` are borrowed and must outlive the stream. `on_outcome`
  // runs on the upload thread for every fragment acknowledged or refused.
  static StatusOr<std::unique_ptr<VideoStream>> Create(VideoStreamOptions options,
                                                       aws::CredentialsProvider& credentials,
                                                       Clock& clock, Env& env,
                                                       KvsUploader::OutcomeCallback on_outcome =
                                                           nullptr);
  ~VideoStream();
  VideoStream(const VideoStream&) = delete;
  VideoStream& operator=(const VideoStream&) = delete;

  Status Start();
  // Blocks until the capture ends by itself, then finishes as Stop does. Returns the capture's
  // status (OK for a finite source that ended), or the upload's fatal error.
  Status Wait();
  // Stops capturing, stores the open fragment, uploads within drain_timeout, joins the threads.
  Status Stop();
  // Asks the capture to stop; a Wait() in progress on the controlling thread then finishes as
  // Stop does. Thread-safe (for a signal-watching thread).
  void RequestStop() { capture_->Stop(); }

  // The upload's fatal error (the stream cannot be used), or OK.
  Status upload_error() const;
  VideoStreamStats stats() const;
  const VideoStreamOptions& options() const { return options_; }

 private:
  VideoStream(VideoStreamOptions options, aws::CredentialsProvider& credentials, Clock& clock,
              Env& env, KvsUploader::OutcomeCallback on_outcome);
  void OnFrame(CapturedFrame&& frame);
  Status EnsureFragmenter(const CapturedFrame& frame);
  void StoreFragment(mkv::Fragment&& fragment);
  void UploadLoop();
  Status Finish(Status capture_status);

  VideoStreamOptions options_;
  aws::CredentialsProvider& credentials_;
  Clock& clock_;
  KvsUploader::OutcomeCallback on_outcome_;
  std::unique_ptr<FragmentStore> store_;
  std::unique_ptr<GstCapture> capture_;
  std::unique_ptr<net::HttpClient> http_;  // used on the upload thread; Wakeup from others

  // Capture thread (and the controlling thread after the capture stopped).
  std::unique_ptr<mkv::MkvFragmenter> fragmenter_;
  mkv::Bytes header_;  // the current session header
  std::vector<uint8_t> codec_data_;

  std::thread upload_thread_;
  std::atomic<bool> stop_upload_{false};
  bool started_ = false;
  bool finished_ = false;

  mutable std::mutex mu_;
  mkv::MkvFragmenter::Stats fragmenter_stats_;  // guarded by mu_
  uint64_t fragments_stored_ = 0;               // guarded by mu_
  uint64_t store_errors_ = 0;                   // guarded by mu_
  UploadStats upload_stats_;                    // guarded by mu_; the uploader's, when it ended
  Status upload_error_;                         // guarded by mu_
  KvsUploader* uploader_ = nullptr;             // guarded by mu_; set while the thread runs
};

}  // namespace kedge::video::kvs
