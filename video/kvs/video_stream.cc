#include "video/kvs/video_stream.h"

#include "platform/logging.h"

namespace kedge::video::kvs {

StatusOr<std::unique_ptr<VideoStream>> VideoStream::Create(
    VideoStreamOptions options, aws::CredentialsProvider& credentials, Clock& clock, Env& env,
    KvsUploader::OutcomeCallback on_outcome) {
  if (options.upload.stream_name.empty()) {
    return InvalidArgumentError("a video stream needs a stream name");
  }
  KEDGE_ASSIGN_OR_RETURN(options.camera, ValidateCameraSpec(options.camera));
  std::unique_ptr<VideoStream> stream(new VideoStream(std::move(options)));
  const VideoStreamOptions& o = stream->options_;
  FragmentPipelineOptions pipeline;
  pipeline.name = o.camera.name;
  pipeline.store = o.store;
  pipeline.upload = o.upload;
  pipeline.http = o.http;
  pipeline.fragment_duration_ms = o.camera.fragment_duration_ms;
  pipeline.drain_timeout = o.drain_timeout;
  KEDGE_ASSIGN_OR_RETURN(stream->pipeline_,
                         FragmentPipeline::Create(std::move(pipeline), credentials, clock, env,
                                                  std::move(on_outcome)));
  GstCapture::Options capture;
  capture.spec = o.camera;
  VideoStream* self = stream.get();
  capture.on_frame = [self](CapturedFrame&& captured) {
    if (captured.format) self->format_ = std::move(captured.format);
    Frame frame;
    frame.data = std::move(captured.data);
    frame.pts_ns = captured.producer_time_ns;  // already epoch time
    frame.duration_ns = captured.duration_ns;
    frame.key = captured.key;
    self->pipeline_->AddFrame(std::move(frame), self->format_ ? &*self->format_ : nullptr);
  };
  capture.on_error = [self](const Status& status) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "camera " << self->options_.camera.name << ": " << status.message();
  };
  capture.max_restarts = IsLiveSource(o.camera) ? -1 : 0;
  KEDGE_ASSIGN_OR_RETURN(stream->capture_, GstCapture::Create(std::move(capture), clock, env));
  return stream;
}

VideoStream::~VideoStream() { (void)Stop(); }

Status VideoStream::Start() {
  if (started_) return FailedPreconditionError("video stream already started");
  started_ = true;
  KEDGE_RETURN_IF_ERROR(pipeline_->Start());
  Status started = capture_->Start();
  if (!started.ok()) {
    (void)pipeline_->Finish();
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
  // The capture thread is gone: the pipeline's producer side is ours now.
  Status upload = pipeline_->Finish();
  if (!upload.ok()) return upload;
  return capture_status;
}

VideoStreamStats VideoStream::stats() const {
  VideoStreamStats s;
  s.capture = capture_->stats();
  FragmentPipelineStats p = pipeline_->stats();
  s.fragmenter = p.fragmenter;
  s.store = p.store;
  s.upload = std::move(p.upload);
  s.fragments_stored = p.fragments_stored;
  s.store_errors = p.store_errors;
  return s;
}

}  // namespace kedge::video::kvs
