#pragma once
// VideoStream: one camera streamed to one Kinesis Video stream, end to end:
//   GstCapture (thread video-<name>) -> FragmentPipeline: MkvFragmenter -> FragmentStore (on
//   disk) -> KvsUploader (thread kvs-<name>, with its own HttpClient) -> PutMedia.
// The capture thread fragments and stores (durably, before anything is sent); the upload thread
// is woken when a fragment is stored.
//
// Lifecycle: Create (validates, opens the store: fragments left by a previous run are sent
// first), Start, then Wait (a finite source: returns when it ended and what it captured was
// uploaded or the drain timeout passed) or Stop (stop capturing now, store the open fragment,
// upload what can be within drain_timeout). Whatever is not acknowledged stays in the store.
// Threading: Create/Start/Wait/Stop from one controlling thread; stats() from any thread.

#include <memory>
#include <optional>

#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "platform/net/http_client.h"
#include "video/capture/gst_capture.h"
#include "video/kvs/fragment_pipeline.h"
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
  static StatusOr<std::unique_ptr<VideoStream>> Create(
      VideoStreamOptions options, aws::CredentialsProvider& credentials, Clock& clock, Env& env,
      KvsUploader::OutcomeCallback on_outcome = nullptr);
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
  Status upload_error() const { return pipeline_->upload_error(); }
  VideoStreamStats stats() const;
  const VideoStreamOptions& options() const { return options_; }

 private:
  explicit VideoStream(VideoStreamOptions options) : options_(std::move(options)) {}
  Status Finish(Status capture_status);

  VideoStreamOptions options_;
  std::unique_ptr<FragmentPipeline> pipeline_;
  std::unique_ptr<GstCapture> capture_;
  // Capture thread only: the last stream format seen (frames carry it only when it changes).
  std::optional<StreamFormat> format_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace kedge::video::kvs
