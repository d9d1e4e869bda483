#pragma once
// FileSystem: the file tail's seam to the OS — globbing, stat with device and inode, and files
// opened for reading at an offset. The file source and the config validator take a
// `const FileSystem&`; PosixFileSystem is the real one, tests use it on temp dirs or subclass it
// to inject faults. Errors come back as Status with the path in the message (errno mapped by
// platform/posix/posix_error.h). Thread-safe; an OpenFile is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/status.h"

namespace kedge::agent {

struct FileInfo {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool regular = true;
  uint32_t permissions = 0600;  // the rwx bits (st_mode & 0777)
};

// An open file. It stays readable after the path is renamed or unlinked, which is how a
// rotated file is read to its end.
class OpenFile {
 public:
  virtual ~OpenFile() = default;
  // Reads up to `n` bytes at `offset`; returns the count (0 at end of file).
  virtual StatusOr<size_t> ReadAt(uint64_t offset, char* buffer, size_t n) = 0;
  // fstat: the identity and size of the open file, wherever its name now is.
  virtual StatusOr<FileInfo> Stat() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Paths matching a shell glob, sorted; an empty list when none match.
  virtual StatusOr<std::vector<std::string>> Glob(const std::string& pattern) const = 0;
  virtual StatusOr<FileInfo> Stat(const std::string& path) const = 0;
  virtual StatusOr<std::unique_ptr<OpenFile>> Open(const std::string& path) const = 0;
  // OK when this process may read `path` (a file) or list it (a directory).
  virtual Status CheckReadable(const std::string& path) const = 0;
  // OK when this process may create files in directory `path`.
  virtual Status CheckWritableDir(const std::string& path) const = 0;

  // The process-wide real file system.
  static const FileSystem& Default();
};

class PosixFileSystem : public FileSystem {
 public:
  StatusOr<std::vector<std::string>> Glob(const std::string& pattern) const override;
  StatusOr<FileInfo> Stat(const std::string& path) const override;
  StatusOr<std::unique_ptr<OpenFile>> Open(const std::string& path) const override;
  Status CheckReadable(const std::string& path) const override;
  Status CheckWritableDir(const std::string& path) const override;
};

// The directory part of a glob before its first wildcard: "/var/log/app/*.log" -> "/var/log/app";
// "app*.log" -> ".".
std::string GlobBaseDir(const std::string& pattern);
bool HasGlobChars(const std::string& text);

}  // namespace kedge::agent
