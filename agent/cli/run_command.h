#pragma once
// `kedge run --config FILE`: the long-running agent. Refuses a bad config the way
// `kedge check-config` reports it (FILE:LINE: key: ...), exits non-zero, starts nothing.

#include <string>
#include <vector>

#include "platform/service_host.h"

namespace kedge::agent {

int RunCommand(const std::vector<std::string>& args);

// The same loop reporting to `host` (not owned; null: systemd when started by it) instead of
// the host found in the environment: the Windows service (agent/cli/service_command.h) runs
// `kedge run` this way. One run at a time per process.
int RunCommandWithHost(const std::vector<std::string>& args, ServiceHost* host);

// Stops the running loop as SIGTERM does (drain, commit, return 0); a stop that comes before
// the agent has started is kept and ends the loop as soon as it starts. Thread-safe.
void RequestRunStop();

}  // namespace kedge::agent
