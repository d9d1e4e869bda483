#include "agent/config/config.h"

#include <tuple>

namespace kedge::agent {

namespace {
int LookUp(const std::map<std::string, int>& lines, const std::string& key, int fallback) {
  auto it = lines.find(key);
  return it != lines.end() && it->second > 0 ? it->second : fallback;
}
}  // namespace

int SinkConfig::KeyLine(const std::string& key) const { return LookUp(key_lines, key, line); }
int SourceConfig::KeyLine(const std::string& key) const { return LookUp(key_lines, key, line); }
int AgentConfig::KeyLine(const std::string& key) const { return LookUp(key_lines, key, 0); }

const SinkConfig* AgentConfig::FindSink(const std::string& name) const {
  for (const SinkConfig& sink : sinks) {
    if (sink.name == name) return &sink;
  }
  return nullptr;
}

bool SameAws(const AwsConfig& a, const AwsConfig& b) {
  auto fields = [](const AwsConfig& c) {
    return std::tie(c.profile, c.iot.endpoint, c.iot.role_alias, c.iot.thing_name,
                    c.iot.cert_file, c.iot.key_file, c.iot.ca_file);
  };
  return fields(a) == fields(b);
}

std::string AgentConfig::SpoolPath() const {
  if (!spool.path.empty()) return spool.path;
  std::string dir = state_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/spool.db";
}

std::string_view SinkTypeName(SinkType type) {
  switch (type) {
    case SinkType::kKinesis:
      return "kinesis";
    case SinkType::kFirehose:
      return "firehose";
    case SinkType::kFile:
      return "file";
  }
  return "unknown";
}

std::string_view SourceTypeName(SourceType type) {
  switch (type) {
    case SourceType::kFile:
      return "file";
    case SourceType::kMqtt:
      return "mqtt";
    case SourceType::kJournald:
      return "journald";
    case SourceType::kMetrics:
      return "metrics";
    case SourceType::kStdin:
      return "stdin";
  }
  return "unknown";
}

}  // namespace kedge::agent
