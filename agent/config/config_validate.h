#pragma once
// The checks that need the whole configuration or the file system: duplicate or malformed
// names, sources pointing at undefined sinks, unreadable paths and directories, a bad listen
// address. Shared by the YAML and agent.json readers. Problems go to ConfigErrors (warnings for
// what may be fine, such as a glob that matches nothing yet).

#include <string>

#include "agent/config/config.h"
#include "agent/config/config_error.h"
#include "agent/sources/file/file_system.h"
#include "platform/env.h"

namespace kedge::agent {

void ValidateConfig(const AgentConfig& config, const FileSystem& fs, ConfigErrors* errors);

// Reads and checks a configuration file: kedge YAML, or a Kinesis Agent agent.json (recognised
// by a .json name or a leading '{'). Returns the config when there are no errors; otherwise
// InvalidArgument whose message lists every error, one "FILE:LINE: key: ..." per line (also
// left in *errors, with the warnings).
StatusOr<AgentConfig> LoadConfigFile(const std::string& path, const Env& env, const FileSystem& fs,
                                     ConfigErrors* errors);

// Parses "host:port" / "[v6]:port"; false when malformed.
bool SplitHostPort(const std::string& text, std::string* host, int* port);

}  // namespace kedge::agent
