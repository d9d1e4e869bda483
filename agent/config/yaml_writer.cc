#include "agent/config/yaml_writer.h"

#include <yaml-cpp/yaml.h>

#include "agent/config/units.h"

namespace kedge::agent {
namespace {

const char* StartName(StartPosition p) { return p == StartPosition::kEnd ? "end" : "beginning"; }

const char* LogFormatName(LogFormat f) {
  switch (f) {
    case LogFormat::kApacheCommon:
      return "apache_common";
    case LogFormat::kApacheCombined:
      return "apache_combined";
    case LogFormat::kSyslogRfc3164:
      return "syslog";
    case LogFormat::kSyslogRfc5424:
      return "syslog_rfc5424";
  }
  return "apache_common";
}

template <typename T>
void KeyIfChanged(YAML::Emitter& out, const char* key, const T& value, const T& fallback) {
  if (value != fallback) out << YAML::Key << key << YAML::Value << value;
}

void WriteProcessor(YAML::Emitter& out, const ProcessorConfig& p) {
  const ProcessorConfig d;
  out << YAML::BeginMap;
  switch (p.type) {
    case ProcessorType::kSingleLine:
      out << YAML::Key << "type" << YAML::Value << "single_line";
      KeyIfChanged(out, "trim", p.trim, d.trim);
      break;
    case ProcessorType::kCsvToJson:
      out << YAML::Key << "type" << YAML::Value << "csv_to_json";
      out << YAML::Key << "fields" << YAML::Value << YAML::Flow << p.fields;
      if (p.delimiter != d.delimiter) {
        out << YAML::Key << "delimiter" << YAML::Value
            << (p.delimiter == '\t' ? std::string("\\t") : std::string(1, p.delimiter));
      }
      break;
    case ProcessorType::kLogToJson:
      out << YAML::Key << "type" << YAML::Value << "log_to_json";
      out << YAML::Key << "format" << YAML::Value << LogFormatName(p.log_format);
      if (!p.fields.empty()) out << YAML::Key << "fields" << YAML::Value << YAML::Flow << p.fields;
      if (!p.match_pattern.empty()) {
        out << YAML::Key << "match_pattern" << YAML::Value << YAML::SingleQuoted << p.match_pattern;
      }
      break;
    case ProcessorType::kAddMetadata:
      out << YAML::Key << "type" << YAML::Value << "add_metadata";
      KeyIfChanged(out, "timestamp", p.add_timestamp, d.add_timestamp);
      KeyIfChanged(out, "device_id", p.add_device_id, d.add_device_id);
      KeyIfChanged(out, "hostname", p.add_hostname, d.add_hostname);
      if (!p.metadata.empty()) out << YAML::Key << "metadata" << YAML::Value << p.metadata;
      break;
  }
  out << YAML::EndMap;
}

void WriteSink(YAML::Emitter& out, const SinkConfig& s) {
  const SinkConfig d;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name;
  out << YAML::Key << "type" << YAML::Value << std::string(SinkTypeName(s.type));
  if (s.type == SinkType::kFile) {
    out << YAML::Key << "path" << YAML::Value << s.path;
  } else {
    out << YAML::Key << "stream" << YAML::Value << s.stream;
    KeyIfChanged(out, "region", s.region, d.region);
    KeyIfChanged(out, "endpoint", s.endpoint, d.endpoint);
    KeyIfChanged(out, "ca_file", s.ca_file, d.ca_file);
    if (s.max_buffered_time != d.max_buffered_time) {
      out << YAML::Key << "max_buffered_time" << YAML::Value << FormatDuration(s.max_buffered_time);
    }
    if (s.record_ttl != d.record_ttl) {
      out << YAML::Key << "record_ttl" << YAML::Value << FormatDuration(s.record_ttl);
    }
    if (s.type == SinkType::kKinesis) {
      if (s.protocol != d.protocol) out << YAML::Key << "protocol" << YAML::Value << "json";
      KeyIfChanged(out, "aggregation", s.aggregation, d.aggregation);
    } else {
      KeyIfChanged(out, "append_newline", s.append_newline, d.append_newline);
    }
  }
  out << YAML::EndMap;
}

void WriteFileSource(YAML::Emitter& out, const SourceConfig& s) {
  const SourceConfig d;
  out << YAML::Key << "path" << YAML::Value << s.path;
  if (!s.exclude.empty()) out << YAML::Key << "exclude" << YAML::Value << s.exclude;
  if (s.start_position != d.start_position) {
    out << YAML::Key << "start_position" << YAML::Value << StartName(s.start_position);
  }
  if (!s.multiline_start_pattern.empty()) {
    out << YAML::Key << "multiline_start_pattern" << YAML::Value << YAML::SingleQuoted
        << s.multiline_start_pattern;
  }
  if (s.max_line_bytes != d.max_line_bytes) {
    out << YAML::Key << "max_line_bytes" << YAML::Value << FormatByteSize(s.max_line_bytes);
  }
  KeyIfChanged(out, "skip_header_lines", s.skip_header_lines, d.skip_header_lines);
}

void WriteSource(YAML::Emitter& out, const SourceConfig& s) {
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name;
  out << YAML::Key << "type" << YAML::Value << std::string(SourceTypeName(s.type));
  out << YAML::Key << "sink" << YAML::Value << s.sink;
  switch (s.partition_key_mode) {
    case PartitionKeyMode::kRandom:
      break;
    case PartitionKeyMode::kDeterministic:
      out << YAML::Key << "partition_key" << YAML::Value << "deterministic";
      break;
    case PartitionKeyMode::kTopic:
      out << YAML::Key << "partition_key" << YAML::Value << "topic";
      break;
    case PartitionKeyMode::kFixed:
      out << YAML::Key << "partition_key" << YAML::Value << s.partition_key;
      break;
    case PartitionKeyMode::kField:
      out << YAML::Key << "partition_key_field" << YAML::Value << s.partition_key;
      break;
  }
  if (s.type == SourceType::kFile) WriteFileSource(out, s);
  if (!s.processors.empty()) {
    out << YAML::Key << "processors" << YAML::Value << YAML::BeginSeq;
    for (const ProcessorConfig& p : s.processors) WriteProcessor(out, p);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

}  // namespace

std::string WriteYamlConfig(const AgentConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  const AgentConfig d;
  KeyIfChanged(out, "state_dir", config.state_dir, d.state_dir);
  KeyIfChanged(out, "device_id", config.device_id, d.device_id);
  out << YAML::Key << "sinks" << YAML::Value << YAML::BeginSeq;
  for (const SinkConfig& s : config.sinks) WriteSink(out, s);
  out << YAML::EndSeq;
  out << YAML::Key << "sources" << YAML::Value << YAML::BeginSeq;
  for (const SourceConfig& s : config.sources) WriteSource(out, s);
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace kedge::agent
