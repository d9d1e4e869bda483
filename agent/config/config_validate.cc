#include "agent/config/config_validate.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "agent/config/agent_json.h"
#include "agent/config/yaml_config.h"

namespace kedge::agent {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

constexpr char kNameHelp[] = "use 1 to 64 letters, digits, '_', '-' or '.'";

std::string Key(const char* list, size_t i, const char* key) {
  return std::string(list) + "[" + std::to_string(i) + "]." + key;
}

void CheckReadableFile(const FileSystem& fs, const std::string& path, int line,
                       const std::string& key, ConfigErrors* errors) {
  if (path.empty()) return;
  Status s = fs.CheckReadable(path);
  if (!s.ok()) errors->Error(line, key, "cannot be read: " + s.message());
}

void CheckFileSourcePaths(const SourceConfig& src, size_t i, const FileSystem& fs,
                          ConfigErrors* errors) {
  int line = src.KeyLine("path");
  std::string key = Key("sources", i, "path");
  if (src.path.empty() || src.path.front() != '/') {
    errors->Error(line, key,
                  "'" + src.path + "' is not an absolute path; use e.g. /var/log/app/*.log");
    return;
  }
  std::string dir = GlobBaseDir(src.path);
  Status dir_status = fs.CheckReadable(dir);
  if (!dir_status.ok()) {
    errors->Error(line, key, "the directory cannot be read: " + dir_status.message());
    return;
  }
  StatusOr<std::vector<std::string>> matches = fs.Glob(src.path);
  if (!matches.ok()) {
    errors->Error(line, key, matches.status().message());
    return;
  }
  if (matches->empty()) {
    errors->Warning(line, key, "matches no file yet; files that appear later are read");
  }
  for (const std::string& match : *matches) {
    StatusOr<FileInfo> info = fs.Stat(match);
    if (!info.ok() || !info->regular) continue;
    Status s = fs.CheckReadable(match);
    if (!s.ok()) errors->Error(line, key, "matches a file that cannot be read: " + s.message());
  }
}

void ValidateSinks(const AgentConfig& config, const FileSystem& fs, ConfigErrors* errors) {
  std::set<std::string> names;
  for (size_t i = 0; i < config.sinks.size(); ++i) {
    const SinkConfig& sink = config.sinks[i];
    if (!sink.name.empty() && !ValidName(sink.name)) {
      errors->Error(sink.KeyLine("name"), Key("sinks", i, "name"),
                    "'" + sink.name + "' is not a valid name; " + kNameHelp);
    } else if (!sink.name.empty() && !names.insert(sink.name).second) {
      errors->Error(sink.KeyLine("name"), Key("sinks", i, "name"),
                    "another sink is already named '" + sink.name + "'; names must be unique");
    }
    CheckReadableFile(fs, sink.ca_file, sink.KeyLine("ca_file"), Key("sinks", i, "ca_file"),
                      errors);
    if (sink.type == SinkType::kFile && !sink.path.empty()) {
      size_t slash = sink.path.rfind('/');
      std::string dir =
          slash == std::string::npos ? "." : (slash == 0 ? "/" : sink.path.substr(0, slash));
      Status s = fs.CheckWritableDir(dir);
      if (!s.ok()) {
        errors->Error(sink.KeyLine("path"), Key("sinks", i, "path"),
                      "its directory cannot be written: " + s.message());
      }
    }
  }
}

void ValidateSources(const AgentConfig& config, const FileSystem& fs, ConfigErrors* errors) {
  std::set<std::string> names;
  std::set<std::string> used_sinks;
  int stdin_sources = 0;
  for (size_t i = 0; i < config.sources.size(); ++i) {
    const SourceConfig& src = config.sources[i];
    if (!src.name.empty() && !ValidName(src.name)) {
      errors->Error(src.KeyLine("name"), Key("sources", i, "name"),
                    "'" + src.name + "' is not a valid name; " + kNameHelp);
    } else if (!src.name.empty() && !names.insert(src.name).second) {
      errors->Error(src.KeyLine("name"), Key("sources", i, "name"),
                    "another source is already named '" + src.name + "'; names must be unique");
    }
    if (!src.sink.empty()) {
      used_sinks.insert(src.sink);
      if (config.FindSink(src.sink) == nullptr) {
        std::string defined;
        for (const SinkConfig& s : config.sinks) defined += (defined.empty() ? "" : ", ") + s.name;
        errors->Error(src.KeyLine("sink"), Key("sources", i, "sink"),
                      "no sink named '" + src.sink +
                          "' is defined; defined sinks: " + (defined.empty() ? "(none)" : defined));
      }
    }
    if (src.type == SourceType::kFile) CheckFileSourcePaths(src, i, fs, errors);
    if (src.type == SourceType::kStdin && ++stdin_sources == 2) {
      errors->Error(src.line, Key("sources", i, "type"), "only one stdin source is possible");
    }
    if (src.type == SourceType::kMqtt) {
      const MqttSettings& m = src.mqtt;
      CheckReadableFile(fs, m.ca_file, src.KeyLine("ca_file"), Key("sources", i, "ca_file"),
                        errors);
      CheckReadableFile(fs, m.cert_file, src.KeyLine("cert_file"), Key("sources", i, "cert_file"),
                        errors);
      CheckReadableFile(fs, m.key_file, src.KeyLine("key_file"), Key("sources", i, "key_file"),
                        errors);
    }
  }
  for (size_t i = 0; i < config.sinks.size(); ++i) {
    if (!config.sinks[i].name.empty() && used_sinks.count(config.sinks[i].name) == 0) {
      errors->Warning(config.sinks[i].line, Key("sinks", i, "name"),
                      "no source sends to sink '" + config.sinks[i].name + "'");
    }
  }
}

// The state directory (and the spool's) must be writable, or creatable, by the user that runs
// kedge. check-config may run as another user than the service, so this is only a warning.
void CheckStateDirs(const AgentConfig& config, const FileSystem& fs, ConfigErrors* errors) {
  std::string spool_path = config.SpoolPath();
  size_t slash = spool_path.rfind('/');
  std::string spool_dir =
      slash == std::string::npos ? "." : spool_path.substr(0, std::max<size_t>(slash, 1));
  std::vector<std::string> dirs = {config.state_dir};
  if (spool_dir != config.state_dir) dirs.push_back(spool_dir);
  for (const std::string& dir : dirs) {
    std::string probe = dir;
    // The nearest existing ancestor is where the directory would be created.
    while (!fs.Stat(probe).ok() && probe.size() > 1) {
      size_t up = probe.rfind('/', probe.size() - 2);
      probe = up == std::string::npos ? "." : probe.substr(0, std::max<size_t>(up, 1));
    }
    Status s = fs.CheckWritableDir(probe);
    if (!s.ok()) {
      errors->Warning(0, dir == config.state_dir ? "state_dir" : "spool.path",
                      dir + " cannot be created or written by this user: " + s.message());
    }
  }
}

}  // namespace

bool SplitHostPort(const std::string& text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 >= text.size()) return false;
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) return false;
  char* end = nullptr;
  long p = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) return false;
  *host = h;
  *port = static_cast<int>(p);
  return true;
}

void ValidateAws(const AgentConfig& config, const FileSystem& fs, ConfigErrors* errors) {
  const IotCredentialsConfig& iot = config.aws.iot;
  if (!iot.enabled()) return;
  const std::pair<const char*, const std::string*> files[] = {
      {"cert_file", &iot.cert_file}, {"key_file", &iot.key_file}, {"ca_file", &iot.ca_file}};
  for (const auto& [name, path] : files) {
    std::string key = std::string("aws.iot_credentials.") + name;
    CheckReadableFile(fs, *path, config.KeyLine(key), key, errors);
  }
}

void CheckCameraFiles(const AgentConfig& config, const FileSystem& fs, ConfigErrors* errors) {
  for (size_t i = 0; i < config.cameras.size(); ++i) {
    const CameraConfig& c = config.cameras[i];
    CheckReadableFile(fs, c.ca_file, c.KeyLine("ca_file"), Key("cameras", i, "ca_file"), errors);
  }
}

void ValidateConfig(const AgentConfig& config, const FileSystem& fs, ConfigErrors* errors) {
  CheckStateDirs(config, fs, errors);
  ValidateAws(config, fs, errors);
  ValidateSinks(config, fs, errors);
  ValidateSources(config, fs, errors);
  ValidateCameras(config.cameras, config.state_dir, errors);
  CheckCameraFiles(config, fs, errors);
  std::string host;
  int port = 0;
  // A listen value without a port was already reported by the reader, with its line.
  if (config.http.enabled && config.http.listen.rfind(':') != std::string::npos &&
      !SplitHostPort(config.http.listen, &host, &port)) {
    errors->Error(config.KeyLine("http.listen"), "http.listen",
                  "'" + config.http.listen + "' is not host:port; use e.g. 127.0.0.1:9464");
  }
  if (!config.device_id.empty() && !ValidName(config.device_id)) {
    errors->Error(config.KeyLine("device_id"), "device_id", "'" + config.device_id + "' is not valid; " + kNameHelp);
  }
}

namespace {

// A file holding a password that other users can read leaks it: say so (a warning, since the
// operator may have reasons, e.g. a group of administrators).
void WarnIfSecretsAreReadableByOthers(const std::string& path, const AgentConfig& config,
                                      const FileSystem& fs, ConfigErrors* errors) {
  size_t holder = config.sources.size();
  for (size_t i = 0; i < config.sources.size() && holder == config.sources.size(); ++i) {
    if (!config.sources[i].mqtt.password.empty()) holder = i;
  }
  if (holder == config.sources.size()) return;
  StatusOr<FileInfo> info = fs.Stat(path);
  if (!info.ok() || (info->permissions & 0044) == 0) return;
  char mode[16];
  std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(info->permissions));
  errors->Warning(config.sources[holder].KeyLine("password"),
                  "sources[" + std::to_string(holder) + "].password",
                  std::string("the file holds a password and is readable by ") +
                      ((info->permissions & 0004) != 0 ? "every user" : "its group") +
                      " (mode " + mode + "): chmod 600 " + path);
}

}  // namespace

StatusOr<AgentConfig> LoadConfigFile(const std::string& path, const Env& env, const FileSystem& fs,
                                     ConfigErrors* errors) {
  StatusOr<std::string> text = env.ReadFile(path);
  if (!text.ok()) {
    errors->Error(0, "", "cannot read the configuration: " + text.status().message());
    return errors->ToStatus();
  }
  AgentConfig config;
  size_t first = text->find_first_not_of(" \t\r\n");
  bool json = (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0) ||
              (first != std::string::npos && (*text)[first] == '{');
  if (json) {
    ConvertAgentJson(*text, &config, errors);
  } else {
    ParseYamlConfig(*text, &config, errors);
  }
  // Validated even after parse errors, so that every problem is reported in one run.
  ValidateConfig(config, fs, errors);
  WarnIfSecretsAreReadableByOthers(path, config, fs, errors);
  if (!errors->ok()) return errors->ToStatus();
  return config;
}

}  // namespace kedge::agent
