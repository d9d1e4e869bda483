#include "ingest/kvs/fragment_files.h"

#include <ctime>
#include <filesystem>
#include <system_error>

#include "platform/clock.h"

namespace kedge::ingest {
namespace {

std::string StreamDir(int64_t stream_id) { return "kvs/" + std::to_string(stream_id); }

std::string Day(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y%m%d", &tm);
  return buf;
}

}  // namespace

StatusOr<std::string> FragmentFiles::Absolute(const std::string& relative_path) const {
  if (relative_path.empty() || relative_path[0] == '/' ||
      relative_path.find("..") != std::string::npos || relative_path.rfind("kvs/", 0) != 0) {
    return InvalidArgumentError("refusing path '" + relative_path + "' outside the data dir");
  }
  return data_dir_ + "/" + relative_path;
}

StatusOr<std::string> FragmentFiles::WriteHeader(int64_t stream_id, int64_t unique,
                                                 const std::string& bytes) {
  std::string dir = StreamDir(stream_id) + "/headers";
  KEDGE_RETURN_IF_ERROR(env_.CreateDirs(data_dir_ + "/" + dir));
  std::string path = dir + "/" + std::to_string(unique) + ".mkv";
  KEDGE_RETURN_IF_ERROR(env_.WriteFileAtomic(data_dir_ + "/" + path, bytes));
  return path;
}

StatusOr<std::string> FragmentFiles::WriteFragment(int64_t stream_id, int64_t number,
                                                   int64_t server_ms, const std::string& bytes) {
  std::string dir = StreamDir(stream_id) + "/fragments/" + Day(server_ms);
  KEDGE_RETURN_IF_ERROR(env_.CreateDirs(data_dir_ + "/" + dir));
  std::string path = dir + "/" + std::to_string(number) + ".mkv";
  KEDGE_RETURN_IF_ERROR(env_.WriteFileAtomic(data_dir_ + "/" + path, bytes));
  return path;
}

StatusOr<std::string> FragmentFiles::Read(const std::string& relative_path) const {
  KEDGE_ASSIGN_OR_RETURN(std::string path, Absolute(relative_path));
  return env_.ReadFile(path);
}

Status FragmentFiles::Remove(const std::string& relative_path) {
  KEDGE_ASSIGN_OR_RETURN(std::string path, Absolute(relative_path));
  return env_.RemoveFile(path);
}

Status FragmentFiles::RemoveStream(int64_t stream_id) {
  std::error_code ec;
  std::filesystem::remove_all(data_dir_ + "/" + StreamDir(stream_id), ec);
  if (ec) return UnavailableError("removing " + StreamDir(stream_id) + ": " + ec.message());
  return Status::Ok();
}

}  // namespace kedge::ingest
