#pragma once
// `kedge video put`: streams a camera (or the test source) to a Kinesis Video stream through the
// same pipeline the daemon uses (capture -> MKV fragments -> on-disk store -> PutMedia), printing
// each fragment as it is persisted.

#include <string>
#include <vector>

namespace kedge::agent {

// Returns the exit code: 0 only when everything captured was acknowledged, 1 on failure,
// 2 on a usage error.
int VideoCommand(const std::vector<std::string>& args);

}  // namespace kedge::agent
