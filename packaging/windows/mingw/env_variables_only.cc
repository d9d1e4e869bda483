// Env for the mingw build of the Windows service core: environment variables work, files are
// not needed there and return Unimplemented. The real Windows Env comes with the native build.

#include <cstdlib>

#include "platform/env.h"

namespace kedge {
namespace {

Status NotHere(const std::string& path) {
  return Status(StatusCode::kUnimplemented, path + ": file access is not in this build");
}

}  // namespace

std::optional<std::string> PosixEnv::GetVar(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}
StatusOr<std::string> PosixEnv::ReadFile(const std::string& path) const { return NotHere(path); }
Status PosixEnv::WriteFileAtomic(const std::string& path, const std::string&) {
  return NotHere(path);
}
bool PosixEnv::FileExists(const std::string&) const { return false; }
Status PosixEnv::CreateDirs(const std::string& path) { return NotHere(path); }
StatusOr<std::vector<std::string>> PosixEnv::ListDir(const std::string& path) const {
  return NotHere(path);
}
Status PosixEnv::RemoveFile(const std::string& path) { return NotHere(path); }
StatusOr<uint64_t> PosixEnv::FileSize(const std::string& path) const { return NotHere(path); }
StatusOr<uint64_t> PosixEnv::FreeBytes(const std::string& path) const { return NotHere(path); }
std::optional<std::string> PosixEnv::HomeDir() const { return GetVar("USERPROFILE"); }

std::optional<std::string> FakeEnv::GetVar(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

Env& Env::Default() {
  static PosixEnv env;
  return env;
}

}  // namespace kedge
