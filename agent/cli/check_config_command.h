#pragma once
// `kedge check-config --config FILE`: loads and validates a configuration (kedge YAML or a
// Kinesis Agent agent.json) without starting anything. Prints every problem as
// "FILE:LINE: key: what is wrong, what is allowed" on stderr and exits 1; prints a one-line
// summary (and any warnings) and exits 0 when the file is good; exits 2 on a usage error.
// `--print-reference` prints the Markdown key reference that docs/config.md contains.

#include <ostream>
#include <string>
#include <vector>

#include "agent/sources/file/file_system.h"
#include "platform/env.h"

namespace kedge::agent {

// The testable core: `args` are the arguments after "check-config".
int RunCheckConfig(const std::vector<std::string>& args, const Env& env, const FileSystem& fs,
                   std::ostream& out, std::ostream& err);

// The command, on the real environment and file system, stdout and stderr.
int CheckConfigCommand(const std::vector<std::string>& args);

}  // namespace kedge::agent
