#include "platform/aws/profile_file.h"

#include <gtest/gtest.h>

namespace kedge::aws {
namespace {

TEST(ParseIniTest, ReadsSectionsKeysAndValues) {
  IniFile file = ParseIni(
      "\xEF\xBB\xBF# comment\r\n"
      "; another comment\n"
      "[default]\r\n"
      "  AWS_Access_Key_Id =  AKID  \r\n"
      "aws_secret_access_key=a/b+c=d\n"
      "\n"
      "[ profile   edge ]\n"
      "region = eu-west-1 # the edge site\n"
      "output=json;not-a-comment\n");
  ASSERT_EQ(file.size(), 2u);
  EXPECT_EQ(file["default"]["aws_access_key_id"], "AKID");
  EXPECT_EQ(file["default"]["aws_secret_access_key"], "a/b+c=d");
  EXPECT_EQ(file["profile edge"]["region"], "eu-west-1");
  EXPECT_EQ(file["profile edge"]["output"], "json;not-a-comment");
}

TEST(ParseIniTest, SkipsNestedPropertiesAndJunkAndMergesRepeatedSections) {
  IniFile file = ParseIni(
      "orphan = before any section\n"
      "[default]\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "this line has no equals sign\n"
      "[broken\n"
      "key = value\n"
      "[default]\n"
      "region = us-east-1\n");
  ASSERT_EQ(file.size(), 1u);
  EXPECT_EQ(file["default"]["s3"], "");
  EXPECT_EQ(file["default"].count("max_concurrent_requests"), 0u);
  EXPECT_EQ(file["default"]["region"], "us-east-1");
  EXPECT_EQ(file["default"].count("key"), 0u);
}

TEST(ParseIniTest, EmptyAndBinaryInputGiveNoSections) {
  EXPECT_TRUE(ParseIni("").empty());
  EXPECT_TRUE(ParseIni(std::string("\0\xff\n=\n[", 7)).empty());
}

TEST(ProfileFileTest, FindsProfilesByEachFilesConvention) {
  IniFile config = ParseIni("[default]\nregion=a\n[profile edge]\nregion=b\n[edge]\nregion=c\n");
  ASSERT_NE(FindConfigProfile(config, "default"), nullptr);
  EXPECT_EQ(FindConfigProfile(config, "default")->at("region"), "a");
  EXPECT_EQ(FindConfigProfile(config, "edge")->at("region"), "b");
  EXPECT_EQ(FindConfigProfile(config, "missing"), nullptr);
  EXPECT_EQ(FindCredentialsProfile(config, "edge")->at("region"), "c");
}

TEST(ProfileFileTest, PathsFollowVariablesThenHome) {
  FakeEnv env;
  EXPECT_FALSE(SharedCredentialsFilePath(env).has_value());
  env.SetVar("HOME", "/home/pi");
  EXPECT_EQ(*SharedCredentialsFilePath(env), "/home/pi/.aws/credentials");
  EXPECT_EQ(*SharedConfigFilePath(env), "/home/pi/.aws/config");
  env.SetVar("AWS_SHARED_CREDENTIALS_FILE", "~/creds");
  env.SetVar("AWS_CONFIG_FILE", "/etc/kedge/aws-config");
  EXPECT_EQ(*SharedCredentialsFilePath(env), "/home/pi/creds");
  EXPECT_EQ(*SharedConfigFilePath(env), "/etc/kedge/aws-config");
}

TEST(ProfileFileTest, ActiveProfilePrefersTheExplicitNameThenAwsProfile) {
  FakeEnv env;
  EXPECT_EQ(ActiveProfile("", env), "default");
  env.SetVar("AWS_PROFILE", "");
  EXPECT_EQ(ActiveProfile("", env), "default");
  env.SetVar("AWS_PROFILE", "dev");
  EXPECT_EQ(ActiveProfile("", env), "dev");
  EXPECT_EQ(ActiveProfile("prod", env), "prod");
}

TEST(ProfileFileTest, MissingFileIsNotAnError) {
  FakeEnv env;
  StatusOr<ProfileFile> file = LoadProfileFile(env, "/nonexistent/kedge/credentials");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_FALSE(file->exists);
  EXPECT_EQ(file->path, "/nonexistent/kedge/credentials");
}

}  // namespace
}  // namespace kedge::aws
