#pragma once
// `kedge status`: asks the running agent's status server (http.listen) for /status and prints
// it for a terminal: state, uptime, spool use and the age of its oldest record, each source and
// sink with their counters. `--json` prints the document as it is. The address comes from
// --listen, else from the config's http.listen (--config, default /etc/kedge/kedge.yaml when it
// exists), else 127.0.0.1:9464. Exit 0 when the agent answered, 1 when it did not, 2 on a usage
// error.

#include <ostream>
#include <string>
#include <vector>

#include "agent/sources/file/file_system.h"
#include "platform/env.h"

namespace kedge::agent {

int RunStatus(const std::vector<std::string>& args, const Env& env, const FileSystem& fs,
              std::ostream& out, std::ostream& err);

int StatusCommand(const std::vector<std::string>& args);

// The terminal rendering of a /status document; an explanatory line when it is not one.
std::string FormatStatus(const std::string& status_json);

}  // namespace kedge::agent
