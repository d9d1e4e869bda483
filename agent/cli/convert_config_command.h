#pragma once
// `kedge convert-config --config agent.json [--output FILE]`: translates a Kinesis Agent
// agent.json into kedge YAML (stdout, or FILE written atomically). Settings kedge ignores are
// listed as warnings on stderr; anything it cannot translate is an error (exit 1), reported as
// "FILE:LINE: key: ..." like check-config. Exit 2 on a usage error.

#include <ostream>
#include <string>
#include <vector>

#include "agent/sources/file/file_system.h"
#include "platform/env.h"

namespace kedge::agent {

int RunConvertConfig(const std::vector<std::string>& args, Env& env, const FileSystem& fs,
                     std::ostream& out, std::ostream& err);

int ConvertConfigCommand(const std::vector<std::string>& args);

}  // namespace kedge::agent
