#include "agent/config/yaml_reader.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <regex>
#include <set>

#include "agent/config/units.h"

namespace kedge::agent {

int NodeLine(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  int line = node.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

std::string NodeKind(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "'" + node.Scalar() + "'";
}

YamlMapReader::YamlMapReader(const YAML::Node& node, std::string path,
                             std::vector<const SectionSpec*> sections, ConfigErrors& errors)
    : node_(node), path_(std::move(path)), sections_(std::move(sections)), errors_(errors) {}

bool YamlMapReader::Has(const char* key) const {
  YAML::Node v = node_[key];
  return v.IsDefined();
}

YAML::Node YamlMapReader::Get(const char* key) const { return node_[key]; }

int YamlMapReader::MapLine() const { return NodeLine(node_); }

int YamlMapReader::Line(const char* key) const {
  YAML::Node v = node_[key];
  int line = NodeLine(v);
  return line > 0 ? line : MapLine();
}

std::string YamlMapReader::KeyPath(const char* key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void YamlMapReader::Error(const char* key, const std::string& message) {
  errors_.Error(Line(key), KeyPath(key), message);
}

void YamlMapReader::Require(const char* key) {
  if (Has(key) && !Get(key).IsNull()) return;
  errors_.Error(MapLine(), KeyPath(key), "missing; this key is required");
}

bool YamlMapReader::Scalar(const char* key, std::string* out) {
  YAML::Node v = node_[key];
  if (!v.IsDefined()) return false;
  if (!v.IsScalar()) {
    Error(key, "expected a single value, got " + NodeKind(v));
    return false;
  }
  *out = v.Scalar();
  return true;
}

bool YamlMapReader::String(const char* key, std::string* out) { return Scalar(key, out); }

bool YamlMapReader::Bool(const char* key, bool* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "yes" || lower == "on") {
    *out = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off") {
    *out = false;
    return true;
  }
  Error(key, "'" + text + "' is not a boolean; use true or false");
  return false;
}

bool YamlMapReader::IntegerImpl(const char* key, int64_t min, int64_t max, int64_t* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
    Error(key, "'" + text + "' is not allowed; use a whole number from " + std::to_string(min) +
                   " to " + std::to_string(max));
    return false;
  }
  *out = v;
  return true;
}

bool YamlMapReader::Size(const char* key, uint64_t min, uint64_t* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  std::optional<uint64_t> v = ParseByteSize(text);
  if (!v) {
    Error(key, "'" + text + "' is not a size; use " + kByteSizeHelp);
    return false;
  }
  if (*v < min) {
    Error(key, "'" + text + "' is too small; use at least " + FormatByteSize(min));
    return false;
  }
  *out = *v;
  return true;
}

bool YamlMapReader::Duration(const char* key, Millis min, Millis* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  std::optional<Millis> v = ParseDuration(text);
  if (!v) {
    Error(key, "'" + text + "' is not a duration; use " + kDurationHelp);
    return false;
  }
  if (*v < min) {
    Error(key, "'" + text + "' is too short; use at least " + FormatDuration(min));
    return false;
  }
  *out = *v;
  return true;
}

bool YamlMapReader::StringList(const char* key, std::vector<std::string>* out) {
  YAML::Node v = node_[key];
  if (!v.IsDefined() || v.IsNull()) return false;
  if (v.IsScalar()) {  // a single value where a list is expected: accept it as a list of one
    *out = {v.Scalar()};
    return true;
  }
  if (!v.IsSequence()) {
    Error(key, "expected a list of strings, got " + NodeKind(v));
    return false;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar()) {
      errors_.Error(NodeLine(v[i]), KeyPath(key) + "[" + std::to_string(i) + "]",
                    "expected a string, got " + NodeKind(v[i]));
      return false;
    }
    items.push_back(v[i].Scalar());
  }
  *out = std::move(items);
  return true;
}

bool YamlMapReader::StringMap(const char* key, std::map<std::string, std::string>* out) {
  YAML::Node v = node_[key];
  if (!v.IsDefined() || v.IsNull()) return false;
  if (!v.IsMap()) {
    Error(key, "expected a map of strings, got " + NodeKind(v));
    return false;
  }
  std::map<std::string, std::string> items;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it->first.IsScalar() || !it->second.IsScalar()) {
      errors_.Error(NodeLine(it->second), KeyPath(key), "expected key: value pairs of strings");
      return false;
    }
    items[it->first.Scalar()] = it->second.Scalar();
  }
  *out = std::move(items);
  return true;
}

bool YamlMapReader::Regex(const char* key, std::string* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  try {
    std::regex compiled(text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    Error(key, "'" + text + "' is not a valid regular expression (" + e.what() +
                   "); use ECMAScript syntax, e.g. ^\\d{4}-\\d{2}-\\d{2}");
    return false;
  }
  *out = text;
  return true;
}

void YamlMapReader::CheckKeys() {
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    int line = NodeLine(it->first);
    if (!it->first.IsScalar()) {
      errors_.Error(line, path_, "a key must be a plain name, got " + NodeKind(it->first));
      continue;
    }
    const std::string& key = it->first.Scalar();
    std::string key_path = path_.empty() ? key : path_ + "." + key;
    if (!seen.insert(key).second) {
      errors_.Error(line, key_path, "given twice; keep one");
    } else if (!SectionsHaveKey(sections_, key)) {
      errors_.Error(line, key_path, "unknown key; allowed here: " + AllowedKeys(sections_));
    }
  }
}

}  // namespace kedge::agent
