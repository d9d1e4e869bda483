#include "agent/cli/check_config_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/config/config_schema.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

class CheckConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("kedge-check"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunCheckConfig(args, env_, FileSystem::Default(), out_, err_);
  }
  std::string dir_;
  FakeEnv env_;
  std::ostringstream out_, err_;
};

TEST_F(CheckConfigTest, GoodConfigExitsZeroWithASummary) {
  std::string path = Write("kedge.yaml", "state_dir: " + dir_ +
                                             "\n"
                                             "sinks:\n  - {name: logs, type: file, path: " +
                                             dir_ +
                                             "/out.jsonl}\n"
                                             "sources:\n  - {name: in, type: stdin, sink: logs}\n");
  EXPECT_EQ(Run({"--config", path}), 0) << err_.str();
  EXPECT_EQ(out_.str(), path + ": OK (1 source, 1 sink, spool " + dir_ + "/spool.db)\n");
}

TEST_F(CheckConfigTest, BadConfigExitsOneNamingFileLineAndKey) {
  std::string path = Write("kedge.yaml",
                           "sinks:\n  - {name: logs, type: kinesis, stream: s}\n"
                           "sources:\n  - name: in\n    type: stdin\n    sink: missing\n");
  EXPECT_EQ(Run({"--config", path}), 1);
  EXPECT_NE(err_.str().find(path + ":6: sources[0].sink: no sink named 'missing' is defined"),
            std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("1 error; nothing was started"), std::string::npos) << err_.str();
}

TEST_F(CheckConfigTest, WarnsWhenAFileHoldingAPasswordIsReadableByOthers) {
  std::string path = Write("kedge.yaml", "state_dir: " + dir_ +
                                             "\nsinks:\n  - {name: logs, type: file, path: " +
                                             dir_ + "/out.jsonl}\n"
                                             "sources:\n  - name: broker\n    type: mqtt\n"
                                             "    broker: tcp://127.0.0.1:1883\n"
                                             "    topics: [a]\n    username: u\n"
                                             "    password: pw-Secret-9\n    sink: logs\n");
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  EXPECT_EQ(Run({"--config", path}), 0) << err_.str();
  EXPECT_NE(err_.str().find(path + ":10: sources[0].password: warning: the file holds a password and is "
                                   "readable by every user (mode 644): chmod 600 " + path),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(err_.str().find("pw-Secret-9"), std::string::npos);
  std::filesystem::permissions(path, std::filesystem::perms(0640));
  EXPECT_EQ(Run({"--config", path}), 0);
  EXPECT_NE(err_.str().find("readable by its group (mode 640)"), std::string::npos) << err_.str();
  std::filesystem::permissions(path, std::filesystem::perms(0600));
  EXPECT_EQ(Run({"--config", path}), 0);
  EXPECT_EQ(err_.str().find("password"), std::string::npos) << err_.str();
}

TEST_F(CheckConfigTest, ChecksAgentJsonToo) {
  std::string path = Write("agent.json", "{\"flows\": [{\"filePattern\": \"" + dir_ +
                                             "/*.log\", \"kinesisStream\": \"s\"}]}");
  EXPECT_EQ(Run({"--config", path}), 0) << err_.str();
  EXPECT_NE(out_.str().find("OK (1 source, 1 sink"), std::string::npos);
}

TEST_F(CheckConfigTest, MissingFileAndUsageErrors) {
  EXPECT_EQ(Run({"--config", dir_ + "/nope.yaml"}), 1);
  EXPECT_NE(err_.str().find("cannot read the configuration"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"--bogus"}), 2);
  EXPECT_EQ(Run({"--help"}), 0);
}

TEST_F(CheckConfigTest, DocsConfigMdMentionsEveryKey) {
  std::ifstream in(testing::SourceDir() + "/docs/config.md");
  ASSERT_TRUE(in.good()) << "docs/config.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  for (const SectionSpec& section : ConfigSections()) {
    for (const KeySpec& key : section.keys) {
      EXPECT_NE(doc.str().find("`" + std::string(key.name) + "`"), std::string::npos)
          << section.id << "." << key.name << " is not in docs/config.md";
    }
  }
}

TEST_F(CheckConfigTest, DocsConfigMdHoldsTheCurrentReference) {
  std::ifstream in(testing::SourceDir() + "/docs/config.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(RenderConfigReference()), std::string::npos)
      << "regenerate the reference: kedge check-config --print-reference";
}

}  // namespace
}  // namespace kedge::agent
