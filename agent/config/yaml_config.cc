#include "agent/config/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "agent/config/yaml_reader.h"

namespace kedge::agent {
namespace {

const SectionSpec* S(const char* id) { return FindSection(id); }

std::map<std::string, int> KeyLines(const YAML::Node& map) {
  std::map<std::string, int> lines;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar()) lines.emplace(it->first.Scalar(), NodeLine(it->second));
  }
  return lines;
}

std::string Indexed(const char* list, size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

void ReadProcessor(const YAML::Node& node, const std::string& path, ConfigErrors& errors,
                   std::vector<ProcessorConfig>* out) {
  if (!node.IsMap()) {
    errors.Error(NodeLine(node), path, "expected a map with a type, got " + NodeKind(node));
    return;
  }
  ProcessorConfig p;
  YamlMapReader type_reader(node, path, {S("processor")}, errors);
  type_reader.Require("type");
  if (!type_reader.Enum<ProcessorType>("type",
                                       {{"single_line", ProcessorType::kSingleLine},
                                        {"csv_to_json", ProcessorType::kCsvToJson},
                                        {"log_to_json", ProcessorType::kLogToJson},
                                        {"add_metadata", ProcessorType::kAddMetadata}},
                                       &p.type)) {
    return;
  }
  static const char* kIds[] = {"processor.single_line", "processor.csv_to_json",
                               "processor.log_to_json", "processor.add_metadata"};
  YamlMapReader r(node, path, {S("processor"), S(kIds[static_cast<int>(p.type)])}, errors);
  r.CheckKeys();
  switch (p.type) {
    case ProcessorType::kSingleLine:
      r.Bool("trim", &p.trim);
      break;
    case ProcessorType::kCsvToJson: {
      r.Require("fields");
      r.StringList("fields", &p.fields);
      std::string delimiter;
      if (r.String("delimiter", &delimiter)) {
        if (delimiter == "\\t") delimiter = "\t";
        if (delimiter.size() != 1)
          r.Error("delimiter", "use exactly one character, e.g. , or ;");
        else
          p.delimiter = delimiter[0];
      }
      break;
    }
    case ProcessorType::kLogToJson:
      r.Require("format");
      r.Enum<LogFormat>("format",
                        {{"apache_common", LogFormat::kApacheCommon},
                         {"apache_combined", LogFormat::kApacheCombined},
                         {"syslog", LogFormat::kSyslogRfc3164},
                         {"syslog_rfc5424", LogFormat::kSyslogRfc5424}},
                        &p.log_format);
      r.StringList("fields", &p.fields);
      if (r.Regex("match_pattern", &p.match_pattern) && p.fields.empty()) {
        r.Error("match_pattern", "needs fields: one name per capture group");
      }
      break;
    case ProcessorType::kAddMetadata:
      r.Bool("timestamp", &p.add_timestamp);
      r.Bool("device_id", &p.add_device_id);
      r.Bool("hostname", &p.add_hostname);
      r.StringMap("metadata", &p.metadata);
      break;
  }
  out->push_back(std::move(p));
}

void ReadPartitionKey(YamlMapReader& r, SourceConfig* src) {
  std::string key;
  if (r.String("partition_key", &key)) {
    if (key == "random") {
      src->partition_key_mode = PartitionKeyMode::kRandom;
    } else if (key == "deterministic") {
      src->partition_key_mode = PartitionKeyMode::kDeterministic;
    } else if (key == "topic") {
      src->partition_key_mode = PartitionKeyMode::kTopic;
      if (src->type != SourceType::kMqtt) {
        r.Error("partition_key",
                "'topic' is only for mqtt sources; use random, deterministic, "
                "a fixed key, or partition_key_field");
      }
    } else if (key.empty() || key.size() > 256) {
      r.Error("partition_key", "a fixed key must be 1 to 256 characters long");
    } else {
      src->partition_key_mode = PartitionKeyMode::kFixed;
      src->partition_key = key;
    }
  }
  std::string field;
  if (r.String("partition_key_field", &field)) {
    if (r.Has("partition_key")) {
      r.Error("partition_key_field", "set either partition_key or partition_key_field, not both");
    } else if (field.empty()) {
      r.Error("partition_key_field", "must name a top-level JSON field");
    } else {
      src->partition_key_mode = PartitionKeyMode::kField;
      src->partition_key = field;
    }
  }
}

const std::vector<std::pair<const char*, InvalidUtf8>> kInvalidUtf8Names = {
    {"replace", InvalidUtf8::kReplace}, {"keep", InvalidUtf8::kKeep}, {"drop", InvalidUtf8::kDrop}};
const std::vector<std::pair<const char*, StartPosition>> kStartNames = {
    {"beginning", StartPosition::kBeginning}, {"end", StartPosition::kEnd}};

void ReadFileSource(YamlMapReader& r, SourceConfig* src) {
  r.Require("path");
  r.String("path", &src->path);
  r.StringList("exclude", &src->exclude);
  r.Enum("start_position", kStartNames, &src->start_position);
  r.Regex("multiline_start_pattern", &src->multiline_start_pattern);
  r.Size("max_line_bytes", 16, &src->max_line_bytes);
  r.Enum("invalid_utf8", kInvalidUtf8Names, &src->invalid_utf8);
  r.Duration("flush_timeout", Millis(1), &src->flush_timeout);
  r.Duration("poll_interval", Millis(10), &src->poll_interval);
  r.Duration("rotate_wait", Millis(0), &src->rotate_wait);
  r.Integer("skip_header_lines", 0, 1000000, &src->skip_header_lines);
}

void ReadMqttSource(YamlMapReader& r, SourceConfig* src) {
  MqttSettings& m = src->mqtt;
  r.Require("broker");
  if (r.String("broker", &m.broker) && m.broker.rfind("tcp://", 0) != 0 &&
      m.broker.rfind("ssl://", 0) != 0 && m.broker.rfind("mqtt://", 0) != 0 &&
      m.broker.rfind("mqtts://", 0) != 0) {
    r.Error("broker",
            "'" + m.broker + "' is not a broker URL; use tcp://host:1883 or ssl://host:8883");
  }
  r.Require("topics");
  if (r.StringList("topics", &m.topics) && m.topics.empty()) {
    r.Error("topics", "list at least one topic filter, e.g. sensors/#");
  }
  r.Integer("qos", 0, 2, &m.qos);
  r.String("client_id", &m.client_id);
  r.Bool("clean_session", &m.clean_session);
  r.String("username", &m.username);
  r.String("password", &m.password);
  r.String("ca_file", &m.ca_file);
  r.String("cert_file", &m.cert_file);
  r.String("key_file", &m.key_file);
  r.Enum<bool>("format", {{"raw", false}, {"envelope", true}}, &m.envelope);
  r.Duration("keepalive", Millis(1000), &m.keepalive);
  if (m.cert_file.empty() != m.key_file.empty()) {
    r.Error(m.cert_file.empty() ? "key_file" : "cert_file",
            "set both cert_file and key_file for a client certificate, or neither");
  }
}

void ReadSourceTypeKeys(YamlMapReader& r, SourceConfig* src) {
  switch (src->type) {
    case SourceType::kFile:
      ReadFileSource(r, src);
      break;
    case SourceType::kMqtt:
      ReadMqttSource(r, src);
      break;
    case SourceType::kJournald:
      r.StringList("units", &src->journald.units);
      r.StringList("matches", &src->journald.matches);
      for (const std::string& m : src->journald.matches) {
        if (m.find('=') == std::string::npos || m.front() == '=') {
          r.Error("matches", "'" + m + "' is not a journal match; use FIELD=value");
        }
      }
      r.String("directory", &src->journald.directory);
      src->start_position = StartPosition::kEnd;
      r.Enum("start_position", kStartNames, &src->start_position);
      break;
    case SourceType::kMetrics: {
      r.Duration("interval", Millis(100), &src->metrics.interval);
      static const std::vector<std::string> kKinds = {"cpu",     "memory", "disk",  "network",
                                                      "thermal", "load",   "uptime"};
      src->metrics.collect = kKinds;
      src->metrics.disk_paths = {"/"};
      r.StringList("collect", &src->metrics.collect);
      for (const std::string& c : src->metrics.collect) {
        if (std::find(kKinds.begin(), kKinds.end(), c) == kKinds.end()) {
          r.Error("collect", "'" + c +
                                 "' is not allowed; use any of cpu, memory, disk, network, "
                                 "thermal, load, uptime");
        }
      }
      r.StringList("disk_paths", &src->metrics.disk_paths);
      break;
    }
    case SourceType::kStdin:
      r.Size("max_line_bytes", 16, &src->max_line_bytes);
      r.Enum("invalid_utf8", kInvalidUtf8Names, &src->invalid_utf8);
      break;
  }
}

void ReadSource(const YAML::Node& node, size_t index, ConfigErrors& errors, AgentConfig* config) {
  std::string path = Indexed("sources", index);
  if (!node.IsMap()) {
    errors.Error(NodeLine(node), path,
                 "expected a map with name, type and sink, got " + NodeKind(node));
    return;
  }
  SourceConfig src;
  src.line = NodeLine(node);
  src.key_lines = KeyLines(node);
  YamlMapReader common(node, path, {S("source")}, errors);
  common.Require("type");
  static const std::vector<std::pair<const char*, SourceType>> kTypes = {
      {"file", SourceType::kFile},
      {"mqtt", SourceType::kMqtt},
      {"journald", SourceType::kJournald},
      {"metrics", SourceType::kMetrics},
      {"stdin", SourceType::kStdin}};
  if (!common.Enum("type", kTypes, &src.type)) return;
  std::string type_id = "source." + std::string(SourceTypeName(src.type));
  YamlMapReader r(node, path, {S("source"), S(type_id.c_str())}, errors);
  r.CheckKeys();
  r.Require("name");
  r.String("name", &src.name);
  r.Require("sink");
  r.String("sink", &src.sink);
  ReadPartitionKey(r, &src);
  YAML::Node procs = r.Get("processors");
  if (procs.IsDefined() && !procs.IsNull()) {
    if (!procs.IsSequence()) {
      r.Error("processors", "expected a list of maps, each with a type");
    } else {
      for (size_t i = 0; i < procs.size(); ++i) {
        ReadProcessor(procs[i], r.KeyPath("processors") + "[" + std::to_string(i) + "]", errors,
                      &src.processors);
      }
    }
  }
  ReadSourceTypeKeys(r, &src);
  config->sources.push_back(std::move(src));
}

void ReadSink(const YAML::Node& node, size_t index, ConfigErrors& errors, AgentConfig* config) {
  std::string path = Indexed("sinks", index);
  if (!node.IsMap()) {
    errors.Error(NodeLine(node), path, "expected a map with name and type, got " + NodeKind(node));
    return;
  }
  SinkConfig sink;
  sink.line = NodeLine(node);
  sink.key_lines = KeyLines(node);
  YamlMapReader common(node, path, {S("sink")}, errors);
  common.Require("type");
  if (!common.Enum<SinkType>("type",
                             {{"kinesis", SinkType::kKinesis},
                              {"firehose", SinkType::kFirehose},
                              {"file", SinkType::kFile}},
                             &sink.type)) {
    // Keep the name so that sources referring to it are not reported as well.
    common.String("name", &sink.name);
    sink.type = SinkType::kKinesis;
    config->sinks.push_back(std::move(sink));
    return;
  }
  std::string type_id = "sink." + std::string(SinkTypeName(sink.type));
  YamlMapReader r(node, path, {S("sink"), S(type_id.c_str())}, errors);
  r.CheckKeys();
  r.Require("name");
  r.String("name", &sink.name);
  if (sink.type == SinkType::kFile) {
    r.Require("path");
    r.String("path", &sink.path);
    r.Bool("sync", &sink.sync);
  } else {
    r.Require("stream");
    r.String("stream", &sink.stream);
    r.String("region", &sink.region);
    if (r.String("endpoint", &sink.endpoint) && sink.endpoint.rfind("https://", 0) != 0 &&
        sink.endpoint.rfind("http://", 0) != 0) {
      r.Error("endpoint", "'" + sink.endpoint + "' is not a URL; use https://host[:port]");
    }
    r.String("ca_file", &sink.ca_file);
    r.Duration("max_buffered_time", Millis(1), &sink.max_buffered_time);
    r.Duration("record_ttl", Millis(100), &sink.record_ttl);
    if (sink.type == SinkType::kKinesis) {
      r.Enum<WireFormat>("protocol", {{"cbor", WireFormat::kCbor}, {"json", WireFormat::kJson}},
                         &sink.protocol);
      r.Bool("aggregation", &sink.aggregation);
    } else {
      r.Bool("append_newline", &sink.append_newline);
    }
  }
  config->sinks.push_back(std::move(sink));
}

template <typename ReadItem>
void ReadList(YamlMapReader& top, const char* key, ConfigErrors& errors, ReadItem read_item,
              bool required = true) {
  YAML::Node list = top.Get(key);
  if (!list.IsDefined() || list.IsNull()) {
    if (required) top.Require(key);
    return;
  }
  if (!list.IsSequence()) {
    top.Error(key,
              std::string("expected a list (each item starts with '- '), got ") + NodeKind(list));
    return;
  }
  if (list.size() == 0 && required) top.Error(key, "the list is empty; define at least one");
  for (size_t i = 0; i < list.size(); ++i) read_item(list[i], i);
}

// Calls read() with a reader of the map under `key` in `parent` (section `section`) when the
// key is given; a value that is not a map is reported instead.
template <typename Read>
void ReadMap(YamlMapReader& parent, const char* key, const char* section, ConfigErrors& errors,
             Read read) {
  YAML::Node node = parent.Get(key);
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    parent.Error(key, "expected a map, got " + NodeKind(node));
    return;
  }
  YamlMapReader r(node, section, {S(section)}, errors);
  r.CheckKeys();
  read(r);
}

void ReadIotCredentials(YamlMapReader& r, AgentConfig* config) {
  IotCredentialsConfig& iot = config->aws.iot;
  const std::pair<const char*, std::string*> keys[] = {
      {"endpoint", &iot.endpoint},   {"role_alias", &iot.role_alias}, {"thing_name", &iot.thing_name},
      {"cert_file", &iot.cert_file}, {"key_file", &iot.key_file},     {"ca_file", &iot.ca_file}};
  for (const auto& [key, value] : keys) {
    if (r.String(key, value)) {
      config->key_lines[std::string("aws.iot_credentials.") + key] = r.Line(key);
    }
  }
  for (const char* key : {"endpoint", "role_alias", "cert_file", "key_file"}) {
    if (!r.Has(key)) r.Error(key, "is required with iot_credentials");
  }
}

void ReadSections(YamlMapReader& top, ConfigErrors& errors, AgentConfig* config) {
  top.CheckKeys();
  std::string level;
  if (top.String("log_level", &level) && !ParseLogLevel(level, &config->log_level)) {
    top.Error("log_level", "'" + level + "' is not allowed; use debug, info, warn, error or off");
  }
  top.String("state_dir", &config->state_dir);
  if (top.String("device_id", &config->device_id)) {
    config->key_lines["device_id"] = top.Line("device_id");
  }
  ReadMap(top, "spool", "spool", errors, [&](YamlMapReader& r) {
    SpoolConfig& c = config->spool;
    r.String("path", &c.path);
    r.Size("max_bytes", 1 << 20, &c.max_bytes);
    r.Enum<WhenFull>("when_full",
                     {{"block", WhenFull::kBlock}, {"drop_oldest", WhenFull::kDropOldest}},
                     &c.when_full);
    r.Enum<SpoolSync>("synchronous", {{"normal", SpoolSync::kNormal}, {"full", SpoolSync::kFull}},
                      &c.synchronous);
    r.Integer("commit_records", 1, 1000000, &c.commit_records);
    r.Duration("commit_interval", Millis(0), &c.commit_interval);
    r.Integer("max_attempts", 0, 1000000, &c.max_attempts);
  });
  ReadMap(top, "http", "http", errors, [&](YamlMapReader& r) {
    r.Bool("enabled", &config->http.enabled);
    if (r.String("listen", &config->http.listen)) {
      config->key_lines["http.listen"] = r.Line("listen");
      if (config->http.listen.rfind(':') == std::string::npos) {
        r.Error("listen",
                "'" + config->http.listen + "' has no port; use host:port, e.g. 127.0.0.1:9464");
      }
    }
  });
  ReadMap(top, "aws", "aws", errors, [&](YamlMapReader& aws) {
    aws.String("profile", &config->aws.profile);
    ReadMap(aws, "iot_credentials", "aws.iot_credentials", errors,
            [&](YamlMapReader& r) { ReadIotCredentials(r, config); });
  });
  // A camera-only agent needs no record pipeline.
  bool records_required = !ReadCameras(top, errors, &config->cameras);
  ReadList(
      top, "sinks", errors, [&](const YAML::Node& n, size_t i) { ReadSink(n, i, errors, config); },
      records_required);
  ReadList(
      top, "sources", errors,
      [&](const YAML::Node& n, size_t i) { ReadSource(n, i, errors, config); }, records_required);
}

}  // namespace

bool ParseYamlConfig(const std::string& text, AgentConfig* config, ConfigErrors* errors) {
  config->source_file = errors->file();
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) {
      errors->Error(0, "", "the file is empty; it needs at least sinks and sources");
      return false;
    }
    if (!root.IsMap()) {
      errors->Error(NodeLine(root), "",
                    "expected a map of keys (sinks:, sources:, ...), got " + NodeKind(root));
      return false;
    }
    YamlMapReader top(root, "", {S("top")}, *errors);
    ReadSections(top, *errors, config);
  } catch (const YAML::Exception& e) {
    // e.msg is the bare message; e.mark is 0-based.
    errors->Error(
        e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
        "not valid YAML: " + e.msg + " (column " + std::to_string(e.mark.column + 1) + ")");
  } catch (const std::exception& e) {
    errors->Error(0, "", std::string("could not be read: ") + e.what());
  }
  return errors->ok();
}

}  // namespace kedge::agent
