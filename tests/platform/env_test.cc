#include "platform/env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

namespace kedge {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/kedge-env-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(EnvTest, WriteThenReadRoundTrips) {
  PosixEnv env;
  std::string dir = TempDir() + "/a/b";
  ASSERT_TRUE(env.CreateDirs(dir).ok());
  std::string path = dir + "/f.txt";
  ASSERT_TRUE(env.WriteFileAtomic(path, "hello").ok());
  auto got = env.ReadFile(path);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "hello");
  EXPECT_EQ(*env.FileSize(path), 5u);
  auto names = env.ListDir(dir);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"f.txt"});
  ASSERT_TRUE(env.RemoveFile(path).ok());
  EXPECT_FALSE(env.FileExists(path));
}

TEST(EnvTest, MissingFileIsNotFoundAndNamesThePath) {
  PosixEnv env;
  auto got = env.ReadFile("/nonexistent/kedge/file");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("/nonexistent/kedge/file"), std::string::npos);
}

TEST(EnvTest, FakeEnvNeverReadsTheProcessEnvironment) {
  ::setenv("KEDGE_ENV_TEST_VAR", "real", 1);
  FakeEnv env(std::map<std::string, std::string>{{"HOME", "/home/pi"}});
  EXPECT_FALSE(env.GetVar("KEDGE_ENV_TEST_VAR").has_value());
  EXPECT_EQ(env.HomeDir(), "/home/pi");
  env.SetVar("KEDGE_ENV_TEST_VAR", "fake");
  EXPECT_EQ(env.GetVar("KEDGE_ENV_TEST_VAR"), "fake");
  PosixEnv real;
  EXPECT_EQ(real.GetVar("KEDGE_ENV_TEST_VAR"), "real");
}

}  // namespace
}  // namespace kedge
