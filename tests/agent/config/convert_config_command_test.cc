#include "agent/cli/convert_config_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/config/agent_json.h"
#include "agent/config/yaml_config.h"
#include "agent/config/yaml_writer.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

class ConvertConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("kedge-convert"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  FakeEnv env_;
};

TEST_F(ConvertConfigTest, ConvertedYamlReadsBackAsTheSameConfig) {
  std::string json = R"({"kinesis.endpoint": "https://kinesis.local:4567", "flows": [
      {"filePattern": ")" + dir_ + R"(/a.log*", "kinesisStream": "edge", "initialPosition": "START_OF_FILE",
       "partitionKeyOption": "DETERMINISTIC", "multiLineStartPattern": "^\\[", "skipHeaderLines": 2,
       "dataProcessingOptions": [{"optionName": "SINGLELINE", "parseOptions": ["NO_TRIM"]},
         {"optionName": "CSVTOJSON", "customFieldNames": ["a", "b"], "delimiter": "\\t"},
         {"optionName": "LOGTOJSON", "logFormat": "SYSLOG", "matchPattern": "^(\\w+) (.*)$", "customFieldNames": ["k", "v"]},
         {"optionName": "ADDMETADATA", "timestamp": "false", "metadata": {"site": "x"}}]},
      {"filePattern": ")" + dir_ + R"(/b.log", "deliveryStream": "fh"}]})";
  AgentConfig from_json;
  ConfigErrors json_errors("agent.json");
  ASSERT_TRUE(ConvertAgentJson(json, &from_json, &json_errors)) << json_errors.ToString();

  std::string yaml = WriteYamlConfig(from_json);
  AgentConfig back;
  ConfigErrors yaml_errors("kedge.yaml");
  ASSERT_TRUE(ParseYamlConfig(yaml, &back, &yaml_errors)) << yaml_errors.ToString() << "\n" << yaml;

  ASSERT_EQ(back.sinks.size(), 2u);
  EXPECT_EQ(back.sinks[0].endpoint, "https://kinesis.local:4567");
  EXPECT_EQ(back.sinks[1].type, SinkType::kFirehose);
  ASSERT_EQ(back.sources.size(), 2u);
  const SourceConfig& a = back.sources[0];
  const SourceConfig& orig = from_json.sources[0];
  EXPECT_EQ(a.path, orig.path);
  EXPECT_EQ(a.sink, orig.sink);
  EXPECT_EQ(a.start_position, StartPosition::kBeginning);
  EXPECT_EQ(a.partition_key_mode, PartitionKeyMode::kDeterministic);
  EXPECT_EQ(a.multiline_start_pattern, "^\\[");
  EXPECT_EQ(a.skip_header_lines, 2u);
  ASSERT_EQ(a.processors.size(), 4u);
  EXPECT_FALSE(a.processors[0].trim);
  EXPECT_EQ(a.processors[1].delimiter, '\t');
  EXPECT_EQ(a.processors[2].match_pattern, "^(\\w+) (.*)$");
  EXPECT_EQ(a.processors[2].fields, (std::vector<std::string>{"k", "v"}));
  EXPECT_FALSE(a.processors[3].add_timestamp);
  EXPECT_FALSE(a.processors[3].add_device_id);
  EXPECT_EQ(a.processors[3].metadata.at("site"), "x");
  EXPECT_EQ(back.sources[1].start_position, StartPosition::kEnd);
}

TEST_F(ConvertConfigTest, CommandWritesTheOutputFile) {
  std::string in = dir_ + "/agent.json";
  std::ofstream(in) << R"({"flows": [{"filePattern": ")" << dir_
                    << R"(/*.log", "kinesisStream": "s"}], "maxSendingThreads": 4})";
  std::ostringstream out, err;
  std::string yaml_path = dir_ + "/kedge.yaml";
  ASSERT_EQ(RunConvertConfig({"--config", in, "--output", yaml_path}, env_, FileSystem::Default(),
                             out, err), 0) << err.str();
  EXPECT_NE(err.str().find("maxSendingThreads: warning: ignored"), std::string::npos) << err.str();
  std::ifstream written(yaml_path);
  std::stringstream text;
  text << written.rdbuf();
  EXPECT_NE(text.str().find("stream: s"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("start_position: end"), std::string::npos) << text.str();
}

TEST_F(ConvertConfigTest, UntranslatableFileExitsOne) {
  std::string in = dir_ + "/agent.json";
  std::ofstream(in) << R"({"flows": [{"filePattern": "/x", "kinesisStream": "s",
      "dataProcessingOptions": [{"optionName": "ADDBRACKETS"}]}]})";
  std::ostringstream out, err;
  EXPECT_EQ(RunConvertConfig({"--config", in}, env_, FileSystem::Default(), out, err), 1);
  EXPECT_NE(err.str().find("'ADDBRACKETS' is not supported"), std::string::npos) << err.str();
  EXPECT_EQ(RunConvertConfig({}, env_, FileSystem::Default(), out, err), 2);
}

}  // namespace
}  // namespace kedge::agent
