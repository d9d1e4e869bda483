#pragma once
// DeliveryWriter: where Firehose records land in kedge-ingest — newline-delimited files under
// <data-dir>/firehose/<delivery stream>/YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<n>, like
// Firehose's S3 layout. One file per stream is open at a time; it is rotated when it reaches
// `max_file_bytes` or gets older than `max_file_age`. Each record ends with '\n' (one is added
// when missing). Every Append is flushed and fsync'ed before it returns, so an acknowledged
// batch survives a crash.
//
// Threading: any thread (one mutex). Errors: the file system's, with the path.

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "platform/clock.h"
#include "platform/env.h"
#include "platform/status.h"

namespace kedge::ingest {

class DeliveryWriter {
 public:
  DeliveryWriter(std::string root, size_t max_file_bytes, std::chrono::seconds max_file_age,
                 Clock& clock, Env& env)
      : root_(std::move(root)),
        max_file_bytes_(max_file_bytes),
        max_file_age_(max_file_age),
        clock_(clock),
        env_(env) {}
  ~DeliveryWriter();

  Status Append(const std::string& stream, const std::vector<std::string>& records);
  // Creates the stream's directory (no file until records arrive).
  Status CreateStream(const std::string& stream) { return env_.CreateDirs(root_ + "/" + stream); }
  // Closes files older than the age limit even when nothing new arrives.
  void RotateExpired();
  // The delivery streams that have a directory.
  StatusOr<std::vector<std::string>> Streams() const;
  const std::string& root() const { return root_; }

 private:
  struct OpenFile {
    std::FILE* file = nullptr;
    std::string path;
    size_t bytes = 0;
    SteadyTime opened;
  };
  Status Open(const std::string& stream, OpenFile* out);
  void Close(OpenFile* file);

  const std::string root_;
  const size_t max_file_bytes_;
  const std::chrono::seconds max_file_age_;
  Clock& clock_;
  Env& env_;
  std::mutex mu_;
  std::map<std::string, OpenFile> open_;  // guarded by mu_
  uint64_t files_created_ = 0;            // guarded by mu_
};

}  // namespace kedge::ingest
