#pragma once
// YamlMapReader: reads the keys of one YAML map into struct fields, checking each value's type
// and reporting every problem to ConfigErrors with the value's line and key path. Keys that
// are present but not in the map's SectionSpecs are reported as unknown, naming the allowed
// ones. Used by yaml_config.cc only; never throws (yaml-cpp calls are guarded there).

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/config/config_error.h"
#include "agent/config/config_schema.h"
#include "platform/clock.h"

namespace kedge::agent {

class YamlMapReader {
 public:
  // `path` is the key path of the map itself ("spool", "sources[2]"); `sections` the tables
  // whose keys it may hold.
  YamlMapReader(const YAML::Node& node, std::string path, std::vector<const SectionSpec*> sections,
                ConfigErrors& errors);

  bool Has(const char* key) const;
  // 1-based line of the key's value, or of the map when the key is absent.
  int Line(const char* key) const;
  int MapLine() const;
  std::string KeyPath(const char* key) const;
  YAML::Node Get(const char* key) const;

  // Each getter leaves *out alone when the key is absent and returns false; when the value is
  // present but wrong it reports an error and returns false.
  bool String(const char* key, std::string* out);
  bool Bool(const char* key, bool* out);
  template <typename Int>
  bool Integer(const char* key, int64_t min, int64_t max, Int* out) {
    int64_t v = 0;
    if (!IntegerImpl(key, min, max, &v)) return false;
    *out = static_cast<Int>(v);
    return true;
  }
  bool Size(const char* key, uint64_t min, uint64_t* out);
  bool Duration(const char* key, Millis min, Millis* out);
  bool StringList(const char* key, std::vector<std::string>* out);
  bool StringMap(const char* key, std::map<std::string, std::string>* out);
  // A regular expression in ECMAScript syntax; compiled here to report mistakes early.
  bool Regex(const char* key, std::string* out);
  template <typename E>
  bool Enum(const char* key, const std::vector<std::pair<const char*, E>>& names, E* out) {
    std::string text;
    if (!String(key, &text)) return false;
    std::string allowed;
    for (const auto& [name, value] : names) {
      if (text == name) {
        *out = value;
        return true;
      }
      allowed += allowed.empty() ? name : std::string(", ") + name;
    }
    Error(key, "'" + text + "' is not allowed; use one of: " + allowed);
    return false;
  }

  // Reports a missing required key.
  void Require(const char* key);
  void Error(const char* key, const std::string& message);
  // Reports keys not in the sections, and keys given twice.
  void CheckKeys();

 private:
  bool Scalar(const char* key, std::string* out);
  bool IntegerImpl(const char* key, int64_t min, int64_t max, int64_t* out);

  YAML::Node node_;
  std::string path_;
  std::vector<const SectionSpec*> sections_;
  ConfigErrors& errors_;
};

// 1-based line of a node (0 when yaml-cpp has none).
int NodeLine(const YAML::Node& node);
// "a string", "a list", "a map", "nothing".
std::string NodeKind(const YAML::Node& node);

}  // namespace kedge::agent
