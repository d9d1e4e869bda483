#pragma once
// Reads kedge's YAML configuration into AgentConfig. Checks syntax, keys and value types
// (unknown keys, wrong types, bad sizes and durations, bad regexes); the checks that need the
// whole config or the file system (duplicate names, undefined sinks, unreadable paths) are in
// config_validate.h. Catches yaml-cpp's exceptions: a parse error becomes one FILE:LINE error.

#include <string>

#include "agent/config/config.h"
#include "agent/config/config_error.h"

namespace kedge::agent {

// Fills *config from `text` (the contents of `file`); reports every problem to *errors.
// Returns true when there were none.
bool ParseYamlConfig(const std::string& text, AgentConfig* config, ConfigErrors* errors);

}  // namespace kedge::agent
