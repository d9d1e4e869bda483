#pragma once
// Env: kedge's seam to the operating system — environment variables, files and directories.
// Code that needs any of these takes an `Env&`; tests pass a FakeEnv or a PosixEnv subclass.
// Errors come back as Status with the path in the message; errno is mapped once, in
// platform/posix/posix_error.cc. All methods are thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/status.h"

namespace kedge {

class Env {
 public:
  virtual ~Env() = default;

  // The value of an environment variable, or nullopt when unset. An empty value is returned as
  // set-but-empty.
  virtual std::optional<std::string> GetVar(const std::string& name) const = 0;

  virtual StatusOr<std::string> ReadFile(const std::string& path) const = 0;
  // Writes through a temporary file and rename, so readers see the old or the new whole file.
  virtual Status WriteFileAtomic(const std::string& path, const std::string& contents) = 0;
  virtual bool FileExists(const std::string& path) const = 0;
  // Creates `path` and its missing parents.
  virtual Status CreateDirs(const std::string& path) = 0;
  virtual StatusOr<std::vector<std::string>> ListDir(const std::string& path) const = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual StatusOr<uint64_t> FileSize(const std::string& path) const = 0;
  // Bytes this process may still write on the file system holding `path` (a file or directory),
  // for messages about a full disk. Unimplemented where the OS gives no answer.
  virtual StatusOr<uint64_t> FreeBytes(const std::string& path) const {
    return UnimplementedError("free space of " + path);
  }

  // The user's home directory ($HOME, then the password database), or nullopt.
  virtual std::optional<std::string> HomeDir() const = 0;

  // The process-wide real environment.
  static Env& Default();
};

class PosixEnv : public Env {
 public:
  std::optional<std::string> GetVar(const std::string& name) const override;
  StatusOr<std::string> ReadFile(const std::string& path) const override;
  Status WriteFileAtomic(const std::string& path, const std::string& contents) override;
  bool FileExists(const std::string& path) const override;
  Status CreateDirs(const std::string& path) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) const override;
  Status RemoveFile(const std::string& path) override;
  StatusOr<uint64_t> FileSize(const std::string& path) const override;
  StatusOr<uint64_t> FreeBytes(const std::string& path) const override;
  std::optional<std::string> HomeDir() const override;
};

// The real file system with a private set of environment variables: the process environment
// is never read. For tests, and for callers that want a controlled environment.
class FakeEnv : public PosixEnv {
 public:
  FakeEnv() = default;
  explicit FakeEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  void SetVar(const std::string& name, const std::string& value) { vars_[name] = value; }
  void UnsetVar(const std::string& name) { vars_.erase(name); }
  std::optional<std::string> GetVar(const std::string& name) const override;
  std::optional<std::string> HomeDir() const override { return GetVar("HOME"); }

 private:
  std::map<std::string, std::string> vars_;
};

// "12345 bytes free in /var/lib/kedge" for a message about a full disk, or "free space
// unknown" when the OS does not say.
inline std::string FreeSpaceText(const Env& env, const std::string& path) {
  StatusOr<uint64_t> free = env.FreeBytes(path);
  if (!free.ok()) return "free space unknown";
  return std::to_string(*free) + " bytes free in " + path;
}

}  // namespace kedge
