#pragma once
// `kedge stream create|describe|read`: small tools for a Kinesis data stream, so a user can
// check an endpoint and see what arrived without another SDK.

#include <string>
#include <vector>

namespace kedge::agent {

// Returns the exit code (0 ok, 1 failure, 2 usage).
int StreamCommand(const std::vector<std::string>& args);

}  // namespace kedge::agent
