#include "tests/fuzz/agent/config_fuzz_util.h"

#include <cstdlib>
#include <cstdio>

#include "agent/config/config_validate.h"

namespace kedge::fuzz {

StatusOr<std::vector<std::string>> NoDiskFileSystem::Glob(const std::string&) const {
  return std::vector<std::string>();
}
StatusOr<agent::FileInfo> NoDiskFileSystem::Stat(const std::string&) const {
  return agent::FileInfo();
}
StatusOr<std::unique_ptr<agent::OpenFile>> NoDiskFileSystem::Open(const std::string& path) const {
  return NotFoundError(path + ": not opened while fuzzing");
}
Status NoDiskFileSystem::CheckReadable(const std::string&) const { return Status::Ok(); }
Status NoDiskFileSystem::CheckWritableDir(const std::string&) const { return Status::Ok(); }

void ValidateAndCheckLines(const agent::AgentConfig& config, agent::ConfigErrors* errors) {
  NoDiskFileSystem fs;
  agent::ValidateConfig(config, fs, errors);
  (void)errors->ToString();
  (void)errors->WarningsToString();
  for (const agent::ConfigIssue& e : errors->errors()) {
    // The file as a whole has no line: empty, or not readable.
    if (e.key.empty() && e.message.rfind("the file is empty", 0) == 0) continue;
    if (e.line <= 0) {
      std::fprintf(stderr, "config error without a line: %s\n", e.ToString().c_str());
      std::abort();
    }
  }
}

}  // namespace kedge::fuzz
