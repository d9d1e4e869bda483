#pragma once
// FileUpload: sends the H.264 video of an existing file (MP4, Matroska, MPEG-TS) to a Kinesis
// Video stream through the same path as a camera: AvFileReader -> FragmentPipeline (MKV
// fragmenter -> on-disk FragmentStore -> KvsUploader/PutMedia). The file is read as fast as the
// upload goes: reading pauses while the store holds more than half of its max_bytes, so a file
// larger than the store loses nothing.
//
// Producer time: the first frame is at `pipeline.start_time_ms` (epoch ms, e.g. --start-time;
// 0: the file's duration before now, as if it had just been recorded) and the file's own
// timestamps follow from there, so no fragment is stamped in the future.
//
// Threading: Run on one thread (it blocks until the file is read and the upload drained);
// RequestCancel, stats and progress from any other. Errors: Open names the file and what is
// wrong with it (missing, not H.264, no video track); Run returns a read error or the upload's
// fatal error (the stream does not exist...).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "video/file/av_file_reader.h"
#include "video/kvs/fragment_pipeline.h"

namespace kedge::video {

struct FileUploadStats {
  uint64_t frames_read = 0;
  uint64_t bytes_read = 0;  // of the file
  uint64_t file_bytes = 0;  // its size, 0 when unknown
  bool reading_done = false;
  int64_t acked_until_ms = 0;  // producer time of the newest fragment acknowledged, 0 if none
  kvs::FragmentPipelineStats pipeline;
};

class FileUpload {
 public:
  // `on_outcome` runs on the upload thread for every fragment acknowledged or refused.
  static StatusOr<std::unique_ptr<FileUpload>> Open(
      const std::string& path, kvs::FragmentPipelineOptions pipeline,
      aws::CredentialsProvider& credentials, Clock& clock, Env& env,
      kvs::KvsUploader::OutcomeCallback on_outcome = nullptr);
  ~FileUpload();

  const VideoFileInfo& info() const { return reader_->info(); }
  const kvs::FragmentPipelineOptions& options() const { return pipeline_->options(); }
  // Reads the whole file into the pipeline, then drains it. OK when the file was read to the
  // end and the upload had no fatal error; whether every fragment was acknowledged is in stats().
  Status Run();
  void RequestCancel() { cancel_ = true; }
  FileUploadStats stats() const;

 private:
  FileUpload() = default;
  Status ReadAll();

  std::unique_ptr<AvFileReader> reader_;
  std::unique_ptr<kvs::FragmentPipeline> pipeline_;
  kvs::KvsUploader::OutcomeCallback on_outcome_;
  std::atomic<bool> cancel_{false};
  std::atomic<uint64_t> frames_read_{0}, bytes_read_{0};
  std::atomic<bool> reading_done_{false};
  std::atomic<int64_t> acked_until_ms_{0};
  uint64_t file_bytes_ = 0;
};

}  // namespace kedge::video
