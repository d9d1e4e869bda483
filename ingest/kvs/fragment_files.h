#pragma once
// FragmentFiles: where Kinesis Video fragments and session headers live on disk, under
// <data-dir>/kvs/<stream id>/headers/<n>.mkv and <data-dir>/kvs/<stream id>/fragments/
// <YYYYMMDD>/<fragment number>.mkv. A stored fragment is [Tags] + Cluster exactly as received;
// header + fragment is a playable MKV. Paths handed out are relative to the data dir, and Read
// refuses anything that would leave it.
//
// Threading: any thread. Errors: the file system's, with the path.

#include <cstdint>
#include <string>

#include "platform/env.h"
#include "platform/status.h"

namespace kedge::ingest {

class FragmentFiles {
 public:
  FragmentFiles(std::string data_dir, Env& env) : data_dir_(std::move(data_dir)), env_(env) {}

  // Each returns the relative path written (durably: fsync + rename).
  StatusOr<std::string> WriteHeader(int64_t stream_id, int64_t unique, const std::string& bytes);
  StatusOr<std::string> WriteFragment(int64_t stream_id, int64_t number, int64_t server_ms,
                                      const std::string& bytes);
  StatusOr<std::string> Read(const std::string& relative_path) const;
  Status Remove(const std::string& relative_path);
  // Removes everything stored for the stream.
  Status RemoveStream(int64_t stream_id);

 private:
  StatusOr<std::string> Absolute(const std::string& relative_path) const;
  const std::string data_dir_;
  Env& env_;
};

}  // namespace kedge::ingest
