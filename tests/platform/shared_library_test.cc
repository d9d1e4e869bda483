#include "platform/shared_library.h"

#include <gtest/gtest.h>

#include <cstring>

namespace kedge {
namespace {

TEST(SymbolLoaderTest, ResolvesFunctionsOfALoadedLibrary) {
  SymbolLoader loader("the test needs it", "the C library");
  void* libc = loader.Open("libc.so.6", "libc6");
  decltype(&std::strlen) strlen_fn = nullptr;
  loader.Resolve(libc, "strlen", &strlen_fn);
  ASSERT_TRUE(loader.status().ok()) << loader.status().ToString();
  ASSERT_NE(strlen_fn, nullptr);
  EXPECT_EQ(strlen_fn("kedge"), 5u);
}

TEST(SymbolLoaderTest, AMissingLibraryNamesItAndThePackageToInstall) {
  SymbolLoader loader("camera capture uses it", "GStreamer");
  void* lib = loader.Open("libkedge-no-such-library.so.0", "kedge-no-such-package");
  void (*fn)() = nullptr;
  loader.Resolve(lib, "anything", &fn);
  EXPECT_EQ(lib, nullptr);
  EXPECT_EQ(fn, nullptr);
  EXPECT_EQ(loader.status().code(), StatusCode::kFailedPrecondition);
  // The first failure is the one reported: the library, not the symbol it then lacked.
  EXPECT_EQ(loader.status().message(),
            "libkedge-no-such-library.so.0 is not installed, and camera capture uses it "
            "(install the kedge-no-such-package package)");
}

TEST(SymbolLoaderTest, AMissingSymbolIsNamed) {
  SymbolLoader loader("the test needs it", "the C library");
  void* libc = loader.Open("libc.so.6", "libc6");
  void (*fn)() = nullptr;
  loader.Resolve(libc, "kedge_no_such_function", &fn);
  EXPECT_EQ(fn, nullptr);
  EXPECT_EQ(loader.status().message(), "the C library has no kedge_no_such_function");
}

}  // namespace
}  // namespace kedge
