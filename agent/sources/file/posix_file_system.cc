#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "agent/sources/file/file_system.h"
#include "platform/posix/posix_error.h"

namespace kedge::agent {
namespace {

FileInfo ToInfo(const struct stat& st) {
  FileInfo info;
  info.device = static_cast<uint64_t>(st.st_dev);
  info.inode = static_cast<uint64_t>(st.st_ino);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  info.regular = S_ISREG(st.st_mode);
  info.permissions = static_cast<uint32_t>(st.st_mode & 0777);
  return info;
}

class PosixOpenFile final : public OpenFile {
 public:
  PosixOpenFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixOpenFile() override { ::close(fd_); }

  StatusOr<size_t> ReadAt(uint64_t offset, char* buffer, size_t n) override {
    for (;;) {
      ssize_t got = ::pread(fd_, buffer, n, static_cast<off_t>(offset));
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return PosixError(path_, errno);
    }
  }

  StatusOr<FileInfo> Stat() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return PosixError(path_, errno);
    return ToInfo(st);
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

const FileSystem& FileSystem::Default() {
  static const PosixFileSystem fs;
  return fs;
}

StatusOr<std::vector<std::string>> PosixFileSystem::Glob(const std::string& pattern) const {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return PosixError("glob " + pattern, rc == GLOB_NOSPACE ? ENOMEM : EIO);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

StatusOr<FileInfo> PosixFileSystem::Stat(const std::string& path) const {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
  return ToInfo(st);
}

StatusOr<std::unique_ptr<OpenFile>> PosixFileSystem::Open(const std::string& path) const {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return PosixError(path, errno);
  return std::unique_ptr<OpenFile>(new PosixOpenFile(fd, path));
}

Status PosixFileSystem::CheckReadable(const std::string& path) const {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
  int mode = S_ISDIR(st.st_mode) ? (R_OK | X_OK) : R_OK;
  if (::access(path.c_str(), mode) != 0) return PosixError(path, errno);
  return Status::Ok();
}

Status PosixFileSystem::CheckWritableDir(const std::string& path) const {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
  if (!S_ISDIR(st.st_mode)) return FailedPreconditionError(path + ": not a directory");
  if (::access(path.c_str(), W_OK | X_OK) != 0) return PosixError(path, errno);
  return Status::Ok();
}

bool HasGlobChars(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

std::string GlobBaseDir(const std::string& pattern) {
  size_t wildcard = pattern.find_first_of("*?[");
  std::string head = wildcard == std::string::npos ? pattern : pattern.substr(0, wildcard);
  size_t slash = head.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return head.substr(0, slash);
}

}  // namespace kedge::agent
