#include "agent/config/yaml_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "agent/config/config_validate.h"
#include "agent/config/units.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

constexpr char kFile[] = "/etc/kedge/kedge.yaml";

// Parses and validates `text`; returns the errors (the config through *config).
ConfigErrors Load(const std::string& text, AgentConfig* config) {
  ConfigErrors errors(kFile);
  ParseYamlConfig(text, config, &errors);
  ValidateConfig(*config, FileSystem::Default(), &errors);
  return errors;
}

std::string Errors(const std::string& text) {
  AgentConfig config;
  return Load(text, &config).ToString();
}

class YamlConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("kedge-config");
    std::ofstream(dir_ + "/app.log") << "hello\n";
  }
  // A valid config with one kinesis sink and one file source reading dir_.
  std::string Valid() const {
    return "sinks:\n"
           "  - name: logs\n"
           "    type: kinesis\n"
           "    stream: edge-logs\n"
           "    region: us-east-1\n"
           "sources:\n"
           "  - name: app\n"
           "    type: file\n"
           "    path: " +
           dir_ +
           "/app.log*\n"
           "    sink: logs\n";
  }
  std::string dir_;
};

TEST_F(YamlConfigTest, IssueExampleLoadsWithEveryValue) {
  std::string text =
      "spool:\n"
      "  path: " +
      dir_ +
      "/spool.db\n"
      "  max_bytes: 1GiB\n"
      "  when_full: drop_oldest\n"
      "http:\n"
      "  listen: 127.0.0.1:9464\n"
      "sinks:\n"
      "  - name: logs\n"
      "    type: kinesis\n"
      "    stream: edge-logs\n"
      "    region: us-east-1\n"
      "    endpoint: https://kinesis.local:4567\n"
      "sources:\n"
      "  - name: app\n"
      "    type: file\n"
      "    path: " +
      dir_ +
      "/app.log*\n"
      "    sink: logs\n"
      "    start_position: end\n"
      "    multiline_start_pattern: '^\\d{4}-'\n"
      "    partition_key_field: device\n"
      "    flush_timeout: 2s\n"
      "    processors:\n"
      "      - type: single_line\n"
      "      - type: add_metadata\n"
      "        metadata: {site: plant-7}\n";
  AgentConfig config;
  ConfigErrors errors = Load(text, &config);
  ASSERT_TRUE(errors.ok()) << errors.ToString();
  EXPECT_EQ(config.spool.max_bytes, 1ull << 30);
  EXPECT_EQ(config.spool.when_full, WhenFull::kDropOldest);
  EXPECT_EQ(config.SpoolPath(), dir_ + "/spool.db");
  ASSERT_EQ(config.sinks.size(), 1u);
  EXPECT_EQ(config.sinks[0].endpoint, "https://kinesis.local:4567");
  ASSERT_EQ(config.sources.size(), 1u);
  const SourceConfig& src = config.sources[0];
  EXPECT_EQ(src.start_position, StartPosition::kEnd);
  EXPECT_EQ(src.multiline_start_pattern, "^\\d{4}-");
  EXPECT_EQ(src.partition_key_mode, PartitionKeyMode::kField);
  EXPECT_EQ(src.partition_key, "device");
  EXPECT_EQ(src.flush_timeout, Millis(2000));
  ASSERT_EQ(src.processors.size(), 2u);
  EXPECT_EQ(src.processors[1].metadata.at("site"), "plant-7");
}

TEST_F(YamlConfigTest, DefaultsApplyWhenKeysAreLeftOut) {
  AgentConfig config;
  ConfigErrors errors = Load(Valid(), &config);
  ASSERT_TRUE(errors.ok()) << errors.ToString();
  EXPECT_EQ(config.SpoolPath(), "/var/lib/kedge/spool.db");
  EXPECT_EQ(config.spool.when_full, WhenFull::kBlock);
  EXPECT_EQ(config.http.listen, "127.0.0.1:9464");
  EXPECT_EQ(config.sources[0].start_position, StartPosition::kBeginning);
  EXPECT_EQ(config.sources[0].partition_key_mode, PartitionKeyMode::kRandom);
}

TEST_F(YamlConfigTest, UnknownKeyNamesFileLineKeyAndAllowedKeys) {
  std::string text = Valid() + "    multiline_pattern: foo\n";
  std::string errors = Errors(text);
  EXPECT_NE(errors.find(std::string(kFile) + ":11: sources[0].multiline_pattern: unknown key; "
                                             "allowed here: name, type, sink"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("multiline_start_pattern"), std::string::npos);
}

// Found by fuzz_yaml_config: these two were reported without a line, and a listen value
// without a port twice.
TEST_F(YamlConfigTest, ListenAndDeviceIdErrorsNameTheirLines) {
  AgentConfig config;
  ConfigErrors errors = Load(Valid() + "device_id: 'bad id'\nhttp:\n  listen: 'h:port'\n", &config);
  std::string all = errors.ToString();
  EXPECT_NE(all.find(std::string(kFile) + ":11: device_id: 'bad id' is not valid"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(std::string(kFile) + ":13: http.listen: 'h:port' is not host:port"),
            std::string::npos)
      << all;

  AgentConfig other;
  errors = Load(Valid() + "http:\n  listen: nowhere\n", &other);
  ASSERT_EQ(errors.errors().size(), 1u) << errors.ToString();
  EXPECT_EQ(errors.errors()[0].line, 12);
}

TEST_F(YamlConfigTest, ReportsSeveralErrorsAtOnce) {
  std::string text =
      "log_level: loud\n"
      "spool:\n"
      "  max_bytes: 12 parsecs\n"
      "  commit_interval: 10\n"
      "sinks:\n"
      "  - name: logs\n"
      "    type: kinesis\n"
      "    aggregation: maybe\n"
      "sources:\n"
      "  - name: app\n"
      "    type: file\n"
      "    path: " +
      dir_ +
      "/*.log\n"
      "    sink: nowhere\n";
  AgentConfig config;
  ConfigErrors errors = Load(text, &config);
  std::string all = errors.ToString();
  EXPECT_NE(all.find(":1: log_level: 'loud' is not allowed; use debug, info"), std::string::npos)
      << all;
  EXPECT_NE(all.find(":3: spool.max_bytes: '12 parsecs' is not a size; use a size such as"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(":4: spool.commit_interval: '10' is not a duration"), std::string::npos)
      << all;
  EXPECT_NE(all.find(":6: sinks[0].stream: missing; this key is required"), std::string::npos)
      << all;
  EXPECT_NE(all.find(":8: sinks[0].aggregation: 'maybe' is not a boolean"), std::string::npos)
      << all;
  EXPECT_NE(
      all.find(":13: sources[0].sink: no sink named 'nowhere' is defined; defined sinks: logs"),
      std::string::npos)
      << all;
  EXPECT_EQ(errors.errors().size(), 6u) << all;
}

TEST_F(YamlConfigTest, DuplicateNamesAreErrors) {
  std::string text = Valid() +
                     "  - name: app\n"
                     "    type: stdin\n"
                     "    sink: logs\n";
  EXPECT_NE(Errors(text).find(":11: sources[1].name: another source is already named 'app'"),
            std::string::npos)
      << Errors(text);
}

TEST_F(YamlConfigTest, DuplicateKeyIsAnError) {
  std::string text = Valid() + "    sink: logs\n";
  EXPECT_NE(Errors(text).find(":11: sources[0].sink: given twice"), std::string::npos)
      << Errors(text);
}

TEST_F(YamlConfigTest, WrongTypeSaysWhatWasFound) {
  std::string text = Valid() + "    exclude: {a: b}\n";
  EXPECT_NE(Errors(text).find("sources[0].exclude: expected a list of strings, got a map"),
            std::string::npos)
      << Errors(text);
}

TEST_F(YamlConfigTest, SyntaxErrorHasTheLine) {
  std::string text = "sinks:\n  - name: logs\n    type: [kinesis\n";
  std::string errors = Errors(text);
  EXPECT_EQ(errors.rfind(std::string(kFile) + ":", 0), 0u) << errors;
  EXPECT_NE(errors.find("not valid YAML"), std::string::npos) << errors;
  EXPECT_NE(errors.find(":4:"), std::string::npos) << errors;
}

TEST_F(YamlConfigTest, BadRegexIsReportedWithItsKey) {
  std::string text = Valid() + "    multiline_start_pattern: '([a-z'\n";
  EXPECT_NE(Errors(text).find(":11: sources[0].multiline_start_pattern: '([a-z' is not a valid "
                              "regular expression"),
            std::string::npos)
      << Errors(text);
}

TEST_F(YamlConfigTest, UnreadableDirectoryIsAnError) {
  std::string text = Valid();
  text.replace(text.find(dir_), dir_.size(), dir_ + "/missing");
  EXPECT_NE(Errors(text).find(":9: sources[0].path: the directory cannot be read"),
            std::string::npos)
      << Errors(text);
}

TEST_F(YamlConfigTest, RelativeFilePathIsAnError) {
  std::string text = Valid();
  text.replace(text.find(dir_), dir_.size(), "logs");
  EXPECT_NE(Errors(text).find("sources[0].path: 'logs/app.log*' is not an absolute path"),
            std::string::npos)
      << Errors(text);
}

TEST_F(YamlConfigTest, GlobWithoutMatchesIsOnlyAWarning) {
  std::string text = Valid();
  text.replace(text.find("app.log*"), 8, "other*.log");
  AgentConfig config;
  ConfigErrors errors = Load(text, &config);
  EXPECT_TRUE(errors.ok()) << errors.ToString();
  EXPECT_NE(errors.WarningsToString().find(":9: sources[0].path: warning: matches no file yet"),
            std::string::npos)
      << errors.WarningsToString();
}

TEST_F(YamlConfigTest, PartitionKeyAndFieldAreExclusive) {
  std::string text = Valid() + "    partition_key: fixed\n    partition_key_field: id\n";
  EXPECT_NE(Errors(text).find("set either partition_key or partition_key_field"),
            std::string::npos);
}

TEST_F(YamlConfigTest, TopicKeyOnlyForMqtt) {
  std::string text = Valid() + "    partition_key: topic\n";
  EXPECT_NE(Errors(text).find("'topic' is only for mqtt sources"), std::string::npos);
}

TEST_F(YamlConfigTest, MqttAndProcessorKeysAreChecked) {
  std::string text = Valid() +
                     "  - name: sensors\n"
                     "    type: mqtt\n"
                     "    broker: 127.0.0.1:1883\n"
                     "    topics: [sensors/#]\n"
                     "    qos: 3\n"
                     "    password: hunter2\n"
                     "    sink: logs\n"
                     "    processors:\n"
                     "      - type: csv_to_json\n"
                     "        delimiter: ';;'\n";
  std::string errors = Errors(text);
  EXPECT_NE(errors.find(":13: sources[1].broker: '127.0.0.1:1883' is not a broker URL"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":15: sources[1].qos: '3' is not allowed; use a whole number from 0 to 2"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("sources[1].processors[0].fields: missing"), std::string::npos) << errors;
  EXPECT_NE(errors.find(":20: sources[1].processors[0].delimiter: use exactly one character"),
            std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("hunter2"), std::string::npos);
}

TEST_F(YamlConfigTest, EmptyFileIsAnError) {
  EXPECT_NE(Errors("").find("the file is empty"), std::string::npos);
  EXPECT_NE(Errors("- a\n- b\n").find("expected a map of keys"), std::string::npos);
}

TEST(UnitsTest, ParsesSizes) {
  EXPECT_EQ(ParseByteSize("1GiB"), 1ull << 30);
  EXPECT_EQ(ParseByteSize("512MiB"), 512ull << 20);
  EXPECT_EQ(ParseByteSize("64 KiB"), 64ull << 10);
  EXPECT_EQ(ParseByteSize("10MB"), 10000000ull);
  EXPECT_EQ(ParseByteSize("4096"), 4096ull);
  EXPECT_EQ(ParseByteSize("1.5GiB"), 3ull << 29);
  EXPECT_FALSE(ParseByteSize("").has_value());
  EXPECT_FALSE(ParseByteSize("GiB").has_value());
  EXPECT_FALSE(ParseByteSize("-1MiB").has_value());
  EXPECT_FALSE(ParseByteSize("1.5").has_value());
  EXPECT_FALSE(ParseByteSize("1 parsec").has_value());
  EXPECT_FALSE(ParseByteSize("99999999999TiB").has_value());
}

TEST(UnitsTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("100ms"), Millis(100));
  EXPECT_EQ(ParseDuration("10s"), Millis(10000));
  EXPECT_EQ(ParseDuration("5m"), Millis(300000));
  EXPECT_EQ(ParseDuration("1h"), Millis(3600000));
  EXPECT_EQ(ParseDuration("1m30s"), Millis(90000));
  EXPECT_EQ(ParseDuration("1.5s"), Millis(1500));
  EXPECT_FALSE(ParseDuration("10").has_value());
  EXPECT_FALSE(ParseDuration("-1s").has_value());
  EXPECT_FALSE(ParseDuration("10 years").has_value());
}

TEST(UnitsTest, FormatsRoundTrip) {
  EXPECT_EQ(FormatByteSize(1ull << 30), "1GiB");
  EXPECT_EQ(FormatByteSize(1000), "1000B");
  EXPECT_EQ(FormatDuration(Millis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Millis(300000)), "5m");
}

}  // namespace
}  // namespace kedge::agent

namespace kedge::agent {
namespace {

TEST_F(YamlConfigTest, StateDirThatCannotBeCreatedIsAWarning) {
  std::string file = dir_ + "/not-a-dir";
  std::ofstream(file) << "x";
  AgentConfig config;
  ConfigErrors errors = Load("state_dir: " + file + "/state\n" + Valid(), &config);
  EXPECT_TRUE(errors.ok()) << errors.ToString();
  std::string warnings = errors.WarningsToString();
  EXPECT_NE(warnings.find("state_dir: warning: " + file + "/state cannot be created or written"),
            std::string::npos)
      << warnings;
  AgentConfig fine;
  ConfigErrors none = Load("state_dir: " + dir_ + "/new/state\n" + Valid(), &fine);
  EXPECT_EQ(none.WarningsToString().find("state_dir"), std::string::npos)
      << none.WarningsToString();
}

}  // namespace
}  // namespace kedge::agent
