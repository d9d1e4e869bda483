#include <gtest/gtest.h>

#include "platform/paths.h"

namespace kedge {
namespace {

TEST(LinuxPathsTest, DefaultsToEtcAndVarLibWithLogsToTheJournal) {
  FakeEnv env;
  Paths paths = LinuxPaths(env);
  EXPECT_EQ(paths.config_dir, "/etc/kedge");
  EXPECT_EQ(paths.config_file, "/etc/kedge/kedge.yaml");
  EXPECT_EQ(paths.state_dir, "/var/lib/kedge");
  EXPECT_EQ(paths.log_dir, "");
}

TEST(LinuxPathsTest, SystemdDirectoriesTakePrecedence) {
  FakeEnv env({{"CONFIGURATION_DIRECTORY", "/run/conf/kedge"},
               {"STATE_DIRECTORY", "/var/lib/private/kedge/"},
               {"LOGS_DIRECTORY", "/var/log/kedge"}});
  Paths paths = LinuxPaths(env);
  EXPECT_EQ(paths.config_dir, "/run/conf/kedge");
  EXPECT_EQ(paths.config_file, "/run/conf/kedge/kedge.yaml");
  EXPECT_EQ(paths.state_dir, "/var/lib/private/kedge");
  EXPECT_EQ(paths.log_dir, "/var/log/kedge");
}

TEST(LinuxPathsTest, FirstOfSeveralSystemdDirectoriesIsUsed) {
  FakeEnv env;
  env.SetVar("STATE_DIRECTORY", "/var/lib/kedge:/var/lib/kedge-video");
  EXPECT_EQ(LinuxPaths(env).state_dir, "/var/lib/kedge");
}

TEST(LinuxPathsTest, EmptyOrRelativeSystemdDirectoryFallsBackToTheDefault) {
  FakeEnv env({{"STATE_DIRECTORY", ""}, {"CONFIGURATION_DIRECTORY", "relative/dir"}});
  Paths paths = LinuxPaths(env);
  EXPECT_EQ(paths.state_dir, "/var/lib/kedge");
  EXPECT_EQ(paths.config_dir, "/etc/kedge");
}

#ifndef _WIN32
TEST(LinuxPathsTest, DefaultPathsAreTheLinuxOnesHere) {
  FakeEnv env;
  env.SetVar("STATE_DIRECTORY", "/srv/kedge");
  EXPECT_EQ(DefaultPaths(env).state_dir, "/srv/kedge");
}
#endif

}  // namespace
}  // namespace kedge
