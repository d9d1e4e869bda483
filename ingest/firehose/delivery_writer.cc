#include "ingest/firehose/delivery_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace kedge::ingest {
namespace {

std::tm UtcTime(WallTime t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

DeliveryWriter::~DeliveryWriter() {
  for (auto& [name, file] : open_) Close(&file);
}

Status DeliveryWriter::Open(const std::string& stream, OpenFile* out) {
  std::tm tm = UtcTime(clock_.WallNow());
  char dir[64];
  std::snprintf(dir, sizeof(dir), "/%04d/%02d/%02d/%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "-1-%04d-%02d-%02d-%02d-%02d-%02d-%06llu", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(++files_created_));
  std::string directory = root_ + "/" + stream + dir;
  KEDGE_RETURN_IF_ERROR(env_.CreateDirs(directory));
  out->path = directory + "/" + stream + stamp;
  out->file = std::fopen(out->path.c_str(), "ab");
  if (out->file == nullptr) {
    return UnavailableError("firehose: cannot create " + out->path + ": " + std::strerror(errno));
  }
  out->bytes = 0;
  out->opened = clock_.Now();
  return Status::Ok();
}

void DeliveryWriter::Close(OpenFile* file) {
  if (file->file != nullptr) std::fclose(file->file);
  file->file = nullptr;
}

Status DeliveryWriter::Append(const std::string& stream, const std::vector<std::string>& records) {
  std::lock_guard<std::mutex> lock(mu_);
  OpenFile& file = open_[stream];
  if (file.file != nullptr &&
      (file.bytes >= max_file_bytes_ || clock_.Now() - file.opened >= max_file_age_)) {
    Close(&file);
  }
  if (file.file == nullptr) KEDGE_RETURN_IF_ERROR(Open(stream, &file));
  for (const std::string& record : records) {
    bool newline = record.empty() || record.back() != '\n';
    if (std::fwrite(record.data(), 1, record.size(), file.file) != record.size() ||
        (newline && std::fputc('\n', file.file) == EOF)) {
      Status error = UnavailableError("firehose: writing " + file.path + ": " + std::strerror(errno));
      Close(&file);
      return error;
    }
    file.bytes += record.size() + (newline ? 1 : 0);
  }
  if (std::fflush(file.file) != 0 || ::fsync(fileno(file.file)) != 0) {
    Status error = UnavailableError("firehose: flushing " + file.path + ": " + std::strerror(errno));
    Close(&file);
    return error;
  }
  return Status::Ok();
}

void DeliveryWriter::RotateExpired() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, file] : open_) {
    if (file.file != nullptr && clock_.Now() - file.opened >= max_file_age_) Close(&file);
  }
}

StatusOr<std::vector<std::string>> DeliveryWriter::Streams() const {
  if (!env_.FileExists(root_)) return std::vector<std::string>();
  return env_.ListDir(root_);
}

}  // namespace kedge::ingest
