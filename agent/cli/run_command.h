#pragma once
// `kedge run --config FILE`: the long-running agent. Refuses a bad config the way
// `kedge check-config` reports it (FILE:LINE: key: ...), exits non-zero, starts nothing.

#include <string>
#include <vector>

namespace kedge::agent {

int RunCommand(const std::vector<std::string>& args);

}  // namespace kedge::agent
