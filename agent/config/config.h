#pragma once
// The agent's configuration as plain structs: what `kedge run` and `kedge check-config` work
// from once a YAML file (yaml_config.h) or a Kinesis Agent agent.json (agent_json.h) has been
// loaded and validated. Every field has its documented default (config_schema.h is the table of
// keys, types, defaults and help that docs/config.md is made from). Plain values, no behaviour;
// copyable, so a reload can build a new one and compare.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/camera_config.h"
#include "platform/clock.h"
#include "platform/logging.h"

namespace kedge::agent {

enum class WhenFull { kBlock, kDropOldest };
enum class SpoolSync { kNormal, kFull };

struct SpoolConfig {
  std::string path;                 // empty: <state_dir>/spool.db
  uint64_t max_bytes = 1ull << 30;  // 1 GiB
  WhenFull when_full = WhenFull::kBlock;
  SpoolSync synchronous = SpoolSync::kNormal;
  uint32_t commit_records = 2000;  // group commit: at most this many records per transaction
  Millis commit_interval{100};     // ... or this long after the first uncommitted record
  int max_attempts = 0;            // sends before a record is dead-lettered; 0: no limit
};

struct HttpConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:9464";
};

enum class SinkType { kKinesis, kFirehose, kFile };
enum class WireFormat { kCbor, kJson };

struct SinkConfig {
  std::string name;
  SinkType type = SinkType::kKinesis;
  int line = 0;  // where the sink is defined, for later error messages (0: unknown)
  std::map<std::string, int> key_lines;  // line of each key given in the file
  int KeyLine(const std::string& key) const;

  // kinesis and firehose
  std::string stream;                       // stream or delivery stream name
  std::string region;                       // empty: AWS_REGION / profile
  std::string endpoint;                     // empty: the AWS endpoint for the region
  std::string ca_file;                      // extra trust anchors
  WireFormat protocol = WireFormat::kCbor;  // kinesis only
  bool aggregation = true;                  // KPL aggregation, kinesis only
  Millis max_buffered_time{100};
  Millis record_ttl{std::chrono::seconds(30)};
  bool append_newline = false;  // firehose: add "\n" to each record

  // file
  std::string path;
  bool sync = true;  // fdatasync each batch before it is acked (and leaves the spool)
};

enum class SourceType { kFile, kMqtt, kJournald, kMetrics, kStdin };
enum class StartPosition { kBeginning, kEnd };
enum class InvalidUtf8 { kReplace, kKeep, kDrop };
enum class PartitionKeyMode { kRandom, kDeterministic, kFixed, kField, kTopic };

enum class ProcessorType { kSingleLine, kCsvToJson, kLogToJson, kAddMetadata };
enum class LogFormat { kApacheCommon, kApacheCombined, kSyslogRfc3164, kSyslogRfc5424 };

struct ProcessorConfig {
  ProcessorType type = ProcessorType::kSingleLine;
  // single_line
  bool trim = true;
  // csv_to_json, log_to_json
  std::vector<std::string> fields;  // csv: required column names; log: optional renames
  char delimiter = ',';
  LogFormat log_format = LogFormat::kApacheCommon;
  std::string match_pattern;  // log_to_json: a custom regex with capture groups
  // add_metadata
  bool add_timestamp = true;
  bool add_device_id = true;
  bool add_hostname = false;
  std::map<std::string, std::string> metadata;  // static key/value pairs
};

struct MqttSettings {
  std::string broker;  // tcp://host:1883, ssl://host:8883
  std::vector<std::string> topics;
  int qos = 1;
  std::string client_id;  // empty: kedge-<device_id>-<source name>
  bool clean_session = false;
  std::string username;
  std::string password;  // secret: never logged, never in /status
  std::string ca_file, cert_file, key_file;
  bool envelope = false;  // format: raw | envelope
  Millis keepalive{std::chrono::seconds(30)};
};

struct JournaldSettings {
  std::vector<std::string> units;
  std::vector<std::string> matches;  // FIELD=value
  std::string directory;             // empty: the system journal
};

struct MetricsSettings {
  Millis interval{std::chrono::seconds(10)};
  std::vector<std::string> collect;  // cpu, memory, disk, network, thermal, load, uptime
  std::vector<std::string> disk_paths;
};

struct SourceConfig {
  std::string name;
  SourceType type = SourceType::kFile;
  std::string sink;
  int line = 0;
  std::map<std::string, int> key_lines;
  int KeyLine(const std::string& key) const;
  std::vector<ProcessorConfig> processors;
  PartitionKeyMode partition_key_mode = PartitionKeyMode::kRandom;
  std::string partition_key;  // the fixed key, or the field name for kField

  // file (path, exclude, start_position...) and, for stdin, max_line_bytes/invalid_utf8
  std::string path;                  // glob
  std::vector<std::string> exclude;  // globs matched against the full path
  StartPosition start_position = StartPosition::kBeginning;
  std::string multiline_start_pattern;
  uint64_t max_line_bytes = 1024000;  // fits one Kinesis or Firehose record
  InvalidUtf8 invalid_utf8 = InvalidUtf8::kReplace;
  Millis flush_timeout{std::chrono::seconds(5)};
  Millis poll_interval{250};
  Millis rotate_wait{std::chrono::seconds(5)};
  uint32_t skip_header_lines = 0;

  MqttSettings mqtt;
  JournaldSettings journald;
  MetricsSettings metrics;
};

// The AWS IoT credentials provider: temporary credentials for a device that holds an X.509
// certificate registered with AWS IoT (platform/aws/iot_credentials_provider.h).
struct IotCredentialsConfig {
  std::string endpoint;    // <prefix>.credentials.iot.<region>.amazonaws.com or https://host:port
  std::string role_alias;
  std::string thing_name;  // empty: the device_id
  std::string cert_file;
  std::string key_file;
  std::string ca_file;     // empty: the system's CA store
  bool enabled() const { return !endpoint.empty() || !role_alias.empty(); }
};

// Where AWS credentials come from: `iot_credentials` when set (and only it), else the
// environment, then the profile in the shared credentials file.
struct AwsConfig {
  std::string profile;  // empty: AWS_PROFILE, else "default"
  IotCredentialsConfig iot;
};
bool SameAws(const AwsConfig& a, const AwsConfig& b);

struct AgentConfig {
  std::string source_file;  // where it was loaded from
  LogLevel log_level = LogLevel::kInfo;
  std::string state_dir = "/var/lib/kedge";
  std::string device_id;  // empty: the host name
  SpoolConfig spool;
  HttpConfig http;
  AwsConfig aws;
  std::vector<SinkConfig> sinks;
  std::vector<SourceConfig> sources;
  std::vector<CameraConfig> cameras;  // agent/config/camera_config.h
  // Line of top-level settings given in the file ("device_id", "http.listen"), for the
  // validator's messages; 0 when not given.
  std::map<std::string, int> key_lines;
  int KeyLine(const std::string& key) const;

  const SinkConfig* FindSink(const std::string& name) const;
  // spool.path, or <state_dir>/spool.db when unset.
  std::string SpoolPath() const;
};

std::string_view SinkTypeName(SinkType type);
std::string_view SourceTypeName(SourceType type);

}  // namespace kedge::agent
