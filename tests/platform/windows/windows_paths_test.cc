#include <gtest/gtest.h>

#include "platform/paths.h"

namespace kedge {
namespace {

TEST(WindowsPathsTest, EverythingLivesUnderProgramDataKedge) {
  FakeEnv env;
  env.SetVar("ProgramData", "D:\\ProgramData");
  Paths paths = WindowsPaths(env);
  EXPECT_EQ(paths.config_dir, "D:\\ProgramData\\kedge");
  EXPECT_EQ(paths.config_file, "D:\\ProgramData\\kedge\\kedge.yaml");
  EXPECT_EQ(paths.state_dir, "D:\\ProgramData\\kedge\\state");
  EXPECT_EQ(paths.log_dir, "D:\\ProgramData\\kedge\\logs");
}

TEST(WindowsPathsTest, UpperCaseVariableAndTrailingSeparatorAreAccepted) {
  FakeEnv env;
  env.SetVar("PROGRAMDATA", "E:\\Data\\");
  EXPECT_EQ(WindowsPaths(env).config_dir, "E:\\Data\\kedge");
}

TEST(WindowsPathsTest, MissingProgramDataFallsBackToTheSystemDefault) {
  FakeEnv env;
  EXPECT_EQ(WindowsPaths(env).config_file, "C:\\ProgramData\\kedge\\kedge.yaml");
}

}  // namespace
}  // namespace kedge
