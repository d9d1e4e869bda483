#pragma once
// The configuration's reference: for each component (the top level, spool, http, each sink and
// source type, each processor) a table of key, type, default and help, in the manner of Fluent
// Bit's plugin config maps. The YAML loader uses it to reject unknown keys and to name the
// allowed ones; docs/config.md is generated from it (`kedge check-config --print-reference`) and
// a test checks that the doc mentions every key. Static data, safe from any thread.

#include <string>
#include <string_view>
#include <vector>

namespace kedge::agent {

struct KeySpec {
  const char* name;
  const char* type;           // "string", "bool", "size", "duration", "integer", "list", ...
  const char* default_value;  // as a user would write it; "" when there is none
  const char* help;
  bool required = false;
};

struct SectionSpec {
  const char* id;     // "spool", "sink.kinesis", "source.file", "processor.csv_to_json"
  const char* title;  // a heading for the docs
  const char* intro;  // one paragraph for the docs
  std::vector<KeySpec> keys;
};

// Every section, in documentation order.
const std::vector<SectionSpec>& ConfigSections();
// The section with this id, or nullptr.
const SectionSpec* FindSection(std::string_view id);
// Whether `key` is in any of `sections`.
bool SectionsHaveKey(const std::vector<const SectionSpec*>& sections, std::string_view key);
// "a, b, c" — the keys of `sections`, for "allowed:" messages.
std::string AllowedKeys(const std::vector<const SectionSpec*>& sections);

// The Markdown reference: one table per section (key | type | default | description).
std::string RenderConfigReference();

}  // namespace kedge::agent
