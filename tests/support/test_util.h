#pragma once
// Small helpers shared by tests.

#include <string>

namespace kedge::testing {

// A fresh directory under $TMPDIR (or /tmp), removed by the caller if it wants.
std::string MakeTempDir(const std::string& prefix = "kedge-test");

// The value of a required environment variable set by scripts/test (e.g. the kinesalite
// endpoint). Fails the current test with a clear message when it is unset.
std::string RequireEnv(const std::string& name);

// The source tree root (KEDGE_SOURCE_DIR, set by CTest).
std::string SourceDir();

}  // namespace kedge::testing
