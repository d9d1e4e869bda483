#pragma once
// RotatingLogFile: appends log lines to a file and, once it holds more than `max_bytes`, renames
// it to <path>.1 (and <path>.1 to <path>.2, ..., keeping `keep` old files; the oldest goes) and
// starts a new one. The Windows service logs to %ProgramData%\kedge\logs\kedge.log this way;
// under systemd, journald does the rotating.
//
// Nothing is lost or split: a line is written whole to one file, and rotation happens between
// lines. When a rename fails (another program holds the file open), the lines go on into the
// same file and rotation is tried again after another tenth of max_bytes.
//
// Not thread-safe: one caller at a time (Logger calls its sink under its own lock).

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge {

class RotatingLogFile {
 public:
  RotatingLogFile(std::string path, uint64_t max_bytes, int keep);
  ~RotatingLogFile();
  RotatingLogFile(const RotatingLogFile&) = delete;
  RotatingLogFile& operator=(const RotatingLogFile&) = delete;

  // Around each rotation, e.g. to point stderr away from the file and back: Windows cannot
  // rename a file that a stream still holds open.
  void SetRotationHooks(std::function<void()> before, std::function<void()> after) {
    before_ = std::move(before);
    after_ = std::move(after);
  }

  // Opens the file for appending (rotating it first when it is already over max_bytes).
  Status Open();
  // Appends `line` and a newline, and flushes.
  void Write(std::string_view line);

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t rotations() const { return rotations_; }

 private:
  Status Reopen();
  void Rotate();

  std::string path_;
  uint64_t max_bytes_;
  int keep_;
  std::FILE* file_ = nullptr;
  uint64_t bytes_ = 0;
  uint64_t next_check_;
  uint64_t rotations_ = 0;
  std::function<void()> before_;
  std::function<void()> after_;
};

}  // namespace kedge
