#pragma once
// What the two configuration fuzz targets share: a FileSystem that answers without touching the
// disk (a fuzzed path must not make the validator walk /), and the check that every error the
// loaders report names its line.
#include <string>

#include "agent/config/config.h"
#include "agent/config/config_error.h"
#include "agent/sources/file/file_system.h"

namespace kedge::fuzz {

// Every path exists as an empty, readable file or directory; globs match nothing.
class NoDiskFileSystem final : public agent::FileSystem {
 public:
  StatusOr<std::vector<std::string>> Glob(const std::string& pattern) const override;
  StatusOr<agent::FileInfo> Stat(const std::string& path) const override;
  StatusOr<std::unique_ptr<agent::OpenFile>> Open(const std::string& path) const override;
  Status CheckReadable(const std::string& path) const override;
  Status CheckWritableDir(const std::string& path) const override;
};

// Validates a parsed config and aborts when an error of `errors` has no line, except the
// errors about the whole file named in config_fuzz_util.cc.
void ValidateAndCheckLines(const agent::AgentConfig& config, agent::ConfigErrors* errors);

}  // namespace kedge::fuzz
