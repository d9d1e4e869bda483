#include "agent/config/agent_json.h"

#include <gtest/gtest.h>

#include "agent/config/config_validate.h"

namespace kedge::agent {
namespace {

constexpr char kFile[] = "/etc/aws-kinesis/agent.json";

// The shape of the Kinesis Agent's documented examples.
constexpr char kAgentJson[] = R"({
  "cloudwatch.emitMetrics": true,
  "kinesis.endpoint": "https://kinesis.eu-west-1.amazonaws.com",
  "firehose.endpoint": "https://firehose.local:4573",
  "checkpointFile": "/var/run/aws-kinesis-agent/checkpoints",
  "awsSecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "flows": [
    {
      "filePattern": "/var/log/app/app.log*",
      "kinesisStream": "edge-logs",
      "partitionKeyOption": "DETERMINISTIC",
      "initialPosition": "START_OF_FILE",
      "multiLineStartPattern": "^\\d{4}-",
      "maxBufferAgeMillis": 1000,
      "dataProcessingOptions": [
        {"optionName": "SINGLELINE"},
        {"optionName": "ADDMETADATA", "timestamp": "true", "metadata": {"site": "plant-7", "line": 3}}
      ]
    },
    {
      "filePattern": "/var/log/httpd/access_log*",
      "deliveryStream": "web-logs",
      "skipHeaderLines": 1,
      "dataProcessingOptions": [
        {"optionName": "LOGTOJSON", "logFormat": "COMBINEDAPACHELOG"}
      ]
    },
    {
      "filePattern": "/var/log/app/other.csv",
      "kinesisStream": "edge-logs",
      "dataProcessingOptions": [
        {"optionName": "CSVTOJSON", "customFieldNames": ["id", "value"], "delimiter": ";"}
      ]
    }
  ]
})";

TEST(AgentJsonTest, TranslatesFlowsIntoSourcesAndSinks) {
  AgentConfig config;
  ConfigErrors errors(kFile);
  ASSERT_TRUE(ConvertAgentJson(kAgentJson, &config, &errors)) << errors.ToString();
  ASSERT_EQ(config.sinks.size(), 2u);
  const SinkConfig* kinesis = config.FindSink("kinesis-edge-logs");
  ASSERT_NE(kinesis, nullptr);
  EXPECT_EQ(kinesis->type, SinkType::kKinesis);
  EXPECT_EQ(kinesis->stream, "edge-logs");
  EXPECT_EQ(kinesis->region, "eu-west-1");
  EXPECT_EQ(kinesis->endpoint, "") << "an AWS endpoint becomes a region";
  const SinkConfig* firehose = config.FindSink("firehose-web-logs");
  ASSERT_NE(firehose, nullptr);
  EXPECT_EQ(firehose->endpoint, "https://firehose.local:4573");

  ASSERT_EQ(config.sources.size(), 3u);
  const SourceConfig& app = config.sources[0];
  EXPECT_EQ(app.type, SourceType::kFile);
  EXPECT_EQ(app.path, "/var/log/app/app.log*");
  EXPECT_EQ(app.sink, "kinesis-edge-logs");
  EXPECT_EQ(app.partition_key_mode, PartitionKeyMode::kDeterministic);
  EXPECT_EQ(app.start_position, StartPosition::kBeginning);
  EXPECT_EQ(app.multiline_start_pattern, "^\\d{4}-");
  ASSERT_EQ(app.processors.size(), 2u);
  EXPECT_EQ(app.processors[0].type, ProcessorType::kSingleLine);
  EXPECT_EQ(app.processors[1].type, ProcessorType::kAddMetadata);
  EXPECT_EQ(app.processors[1].metadata.at("line"), "3");

  const SourceConfig& web = config.sources[1];
  EXPECT_EQ(web.sink, "firehose-web-logs");
  EXPECT_EQ(web.start_position, StartPosition::kEnd) << "the Kinesis Agent's default";
  EXPECT_EQ(web.skip_header_lines, 1u);
  EXPECT_EQ(web.processors[0].log_format, LogFormat::kApacheCombined);

  EXPECT_EQ(config.sources[2].processors[0].delimiter, ';');
  EXPECT_EQ(config.sources[2].processors[0].fields, (std::vector<std::string>{"id", "value"}));
}

TEST(AgentJsonTest, WarnsAboutIgnoredSettingsWithoutEchoingSecrets) {
  AgentConfig config;
  ConfigErrors errors(kFile);
  ASSERT_TRUE(ConvertAgentJson(kAgentJson, &config, &errors));
  std::string all;
  for (const ConfigIssue& w : errors.warnings()) all += w.ToString() + "\n";
  EXPECT_NE(
      all.find(std::string(kFile) + ":6: awsSecretAccessKey: ignored: kedge takes credentials"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find(":5: checkpointFile: ignored"), std::string::npos) << all;
  EXPECT_NE(all.find(":14: flows[0].maxBufferAgeMillis: ignored"), std::string::npos) << all;
  EXPECT_EQ(all.find("wJalrXUtnFEMI"), std::string::npos);
}

TEST(AgentJsonTest, UnsupportedAndUnknownSettingsAreErrorsWithLines) {
  const char* text = R"({
  "flows": [
    {
      "filePattern": "/var/log/a.log",
      "kinesisStream": "s",
      "initialPosition": "MIDDLE",
      "dataProcessingOptions": [{"optionName": "ADDEC2METADATA"}],
      "fileFlavour": "x"
    },
    {"filePattern": "/var/log/b.log"}
  ]
})";
  AgentConfig config;
  ConfigErrors errors(kFile);
  EXPECT_FALSE(ConvertAgentJson(text, &config, &errors));
  std::string all = errors.ToString();
  EXPECT_NE(all.find(":6: flows[0].initialPosition: 'MIDDLE' is not allowed; use START_OF_FILE"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(":7: flows[0].dataProcessingOptions[0].optionName: 'ADDEC2METADATA' is not "
                     "supported"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(":8: flows[0].fileFlavour: unknown Kinesis Agent flow setting"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(":10: flows[1]: set exactly one of kinesisStream or deliveryStream"),
            std::string::npos)
      << all;
}

// Found by fuzz_agent_json: a bad sink name made from a flow's stream had no line.
TEST(AgentJsonTest, SinkErrorsNameTheLineOfTheFlowsStream) {
  const char* text = R"({
  "flows": [
    {
      "filePattern": "/var/log/a.log",
      "kinesisStream": "bad;name"
    }
  ]
})";
  AgentConfig config;
  ConfigErrors errors(kFile);
  ConvertAgentJson(text, &config, &errors);
  ValidateConfig(config, FileSystem::Default(), &errors);
  ASSERT_FALSE(errors.ok());
  for (const ConfigIssue& e : errors.errors()) {
    if (e.key.find("sinks[0]") == 0) {
      EXPECT_EQ(e.line, 5) << e.ToString();
    }
  }
  EXPECT_NE(errors.ToString().find(":5: sinks[0].name"), std::string::npos) << errors.ToString();
}

TEST(AgentJsonTest, SyntaxErrorNamesTheLine) {
  AgentConfig config;
  ConfigErrors errors(kFile);
  EXPECT_FALSE(
      ConvertAgentJson("{\n  \"flows\": [\n    {\"filePattern\": }\n  ]\n}\n", &config, &errors));
  ASSERT_EQ(errors.errors().size(), 1u);
  EXPECT_EQ(errors.errors()[0].line, 3) << errors.ToString();
  EXPECT_NE(errors.errors()[0].message.find("not valid JSON"), std::string::npos);
}

// Found by fuzz_agent_json: a flow without filePattern, or a key written with escapes, could
// not be found in the text and its errors had no line.
TEST(AgentJsonTest, KeysNotFoundInTheTextFallBackToTheFlowsLine) {
  const char* text = "{\n  \"flows\": [\n    {\"kinesisStream\": \"s\", \"\\u0078\": 1}\n  ]\n}\n";
  AgentConfig config;
  ConfigErrors errors(kFile);
  EXPECT_FALSE(ConvertAgentJson(text, &config, &errors));
  ASSERT_FALSE(errors.errors().empty());
  for (const ConfigIssue& e : errors.errors()) EXPECT_GE(e.line, 2) << e.ToString();
  EXPECT_NE(errors.ToString().find(":2: flows[0].filePattern: missing"), std::string::npos)
      << errors.ToString();
}

TEST(AgentJsonTest, MissingFlowsIsAnError) {
  AgentConfig config;
  ConfigErrors errors(kFile);
  EXPECT_FALSE(ConvertAgentJson("{\"checkpointFile\": \"/tmp/x\"}", &config, &errors));
  EXPECT_NE(errors.ToString().find("flows: missing or empty"), std::string::npos);
}

}  // namespace
}  // namespace kedge::agent
