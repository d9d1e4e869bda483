#include "platform/rotating_log_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace kedge {
namespace fs = std::filesystem;

namespace {

std::FILE* OpenForAppend(const std::string& path) {
#ifdef _WIN32
  return _wfopen(fs::u8path(path).c_str(), L"ab");
#else
  return std::fopen(path.c_str(), "ab");
#endif
}

}  // namespace

RotatingLogFile::RotatingLogFile(std::string path, uint64_t max_bytes, int keep)
    : path_(std::move(path)),
      max_bytes_(max_bytes > 0 ? max_bytes : 1),
      keep_(keep > 0 ? keep : 1),
      next_check_(max_bytes_) {}

RotatingLogFile::~RotatingLogFile() {
  if (file_ != nullptr) std::fclose(file_);
}

Status RotatingLogFile::Reopen() {
  if (file_ != nullptr) std::fclose(file_);
  file_ = OpenForAppend(path_);
  if (file_ == nullptr) {
    return UnavailableError("cannot open the log file " + path_ + ": " + std::strerror(errno));
  }
  std::error_code ec;
  uintmax_t size = fs::file_size(fs::u8path(path_), ec);
  bytes_ = ec ? 0 : size;
  next_check_ = max_bytes_;
  return Status::Ok();
}

Status RotatingLogFile::Open() {
  KEDGE_RETURN_IF_ERROR(Reopen());
  if (bytes_ > max_bytes_) Rotate();
  return file_ != nullptr ? Status::Ok() : Reopen();
}

void RotatingLogFile::Rotate() {
  if (before_) before_();
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  auto name = [this](int generation) {
    return fs::u8path(generation == 0 ? path_ : path_ + "." + std::to_string(generation));
  };
  fs::remove(name(keep_), ec);
  bool moved = true;
  for (int g = keep_ - 1; g >= 0; --g) {
    if (!fs::exists(name(g), ec)) continue;
    fs::remove(name(g + 1), ec);  // a rename onto an existing file fails on Windows
    fs::rename(name(g), name(g + 1), ec);
    if (ec && g == 0) moved = false;
  }
  file_ = OpenForAppend(path_);
  std::error_code size_ec;
  uintmax_t size = file_ ? fs::file_size(name(0), size_ec) : 0;
  bytes_ = size_ec ? 0 : size;
  if (moved) {
    ++rotations_;
    next_check_ = max_bytes_;
  } else {
    next_check_ = bytes_ + max_bytes_ / 10 + 1;  // held open elsewhere: try again later
  }
  if (after_) after_();
}

void RotatingLogFile::Write(std::string_view line) {
  if (file_ == nullptr) return;
  if (bytes_ > 0 && bytes_ + line.size() + 1 > next_check_) {
    Rotate();
    if (file_ == nullptr) return;
  }
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);
  bytes_ += line.size() + 1;
}

}  // namespace kedge
