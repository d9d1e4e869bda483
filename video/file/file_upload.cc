#include "video/file/file_upload.h"

#include <algorithm>

namespace kedge::video {

StatusOr<std::unique_ptr<FileUpload>> FileUpload::Open(
    const std::string& path, kvs::FragmentPipelineOptions pipeline,
    aws::CredentialsProvider& credentials, Clock& clock, Env& env,
    kvs::KvsUploader::OutcomeCallback on_outcome) {
  std::unique_ptr<FileUpload> upload(new FileUpload());
  KEDGE_ASSIGN_OR_RETURN(upload->reader_, AvFileReader::Open(path, env));
  pipeline.input_format = upload->reader_->info().nal_format;
  if (pipeline.start_time_ms == 0) {  // as if the file had just been recorded: it ends now
    pipeline.start_time_ms =
        ToUnixMillis(clock.WallNow()) - upload->reader_->info().duration_ns / 1000000;
  }
  upload->on_outcome_ = std::move(on_outcome);
  FileUpload* self = upload.get();
  auto outcome = [self](const kvs::FragmentOutcome& o) {
    if (o.type != kvs::AckType::kError) {
      int64_t seen = self->acked_until_ms_.load();
      while (o.timecode_ms > seen &&
             !self->acked_until_ms_.compare_exchange_weak(seen, o.timecode_ms)) {
      }
    }
    if (self->on_outcome_) self->on_outcome_(o);
  };
  KEDGE_ASSIGN_OR_RETURN(
      upload->pipeline_,
      kvs::FragmentPipeline::Create(std::move(pipeline), credentials, clock, env, outcome));
  upload->file_bytes_ = static_cast<uint64_t>(upload->reader_->size());
  return upload;
}

FileUpload::~FileUpload() {
  if (pipeline_) (void)pipeline_->Finish();
}

Status FileUpload::ReadAll() {
  const VideoFileInfo& info = reader_->info();
  StreamFormat format;
  format.codec_data = info.codec_private;
  format.width = info.width;
  format.height = info.height;
  format.fps_num = info.fps_num;
  format.fps_den = info.fps_den;
  uint64_t high_water = pipeline_->options().store.max_bytes / 2;
  while (!cancel_.load()) {
    KEDGE_ASSIGN_OR_RETURN(std::optional<Frame> frame, reader_->Next());
    if (!frame) return Status();
    frames_read_.fetch_add(1);
    bytes_read_.store(static_cast<uint64_t>(std::max<int64_t>(0, reader_->position())));
    // A key frame may close a fragment: make sure the store has room for it first.
    if (frame->key && !pipeline_->WaitForStoreBelow(high_water, cancel_)) {
      if (cancel_.load()) break;
      Status fatal = pipeline_->upload_error();
      return fatal.ok() ? UnavailableError("the upload stopped") : fatal;
    }
    pipeline_->AddFrame(std::move(*frame), &format);
  }
  return CancelledError("cancelled");
}

Status FileUpload::Run() {
  KEDGE_RETURN_IF_ERROR(pipeline_->Start());
  Status read = ReadAll();
  reading_done_ = true;
  Status upload = pipeline_->Finish();
  if (!read.ok()) return read;
  return upload;
}

FileUploadStats FileUpload::stats() const {
  FileUploadStats s;
  s.frames_read = frames_read_.load();
  s.bytes_read = bytes_read_.load();
  s.file_bytes = file_bytes_;
  s.reading_done = reading_done_.load();
  s.acked_until_ms = acked_until_ms_.load();
  s.pipeline = pipeline_->stats();
  return s;
}

}  // namespace kedge::video
