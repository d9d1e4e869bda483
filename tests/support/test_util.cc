#include "tests/support/test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>

namespace kedge::testing {

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << tmpl << " failed";
  return tmpl;
}

std::string RequireEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set: run this test through scripts/test, which starts "
                  << "the test peers and sets it";
    return std::string();
  }
  return value;
}

std::string SourceDir() {
  const char* dir = std::getenv("KEDGE_SOURCE_DIR");
  return dir ? dir : ".";
}

}  // namespace kedge::testing
