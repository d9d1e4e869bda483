#include "agent/config/config_error.h"

#include <algorithm>

namespace kedge::agent {

std::string ConfigIssue::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

void ConfigErrors::Error(int line, const std::string& key, const std::string& message) {
  errors_.push_back({file_, line, key, message});
}

void ConfigErrors::Warning(int line, const std::string& key, const std::string& message) {
  warnings_.push_back({file_, line, key, message});
}

std::string ConfigErrors::ToString() const {
  // In file order: errors are found section by section, but read best from top to bottom.
  std::vector<ConfigIssue> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const ConfigIssue& a, const ConfigIssue& b) { return a.line < b.line; });
  std::string out;
  for (const ConfigIssue& issue : sorted) {
    if (!out.empty()) out += "\n";
    out += issue.ToString();
  }
  return out;
}

std::string ConfigErrors::WarningsToString() const {
  std::string out;
  for (ConfigIssue issue : warnings_) {
    issue.message = "warning: " + issue.message;
    out += issue.ToString() + "\n";
  }
  return out;
}

Status ConfigErrors::ToStatus() const {
  return ok() ? Status::Ok() : InvalidArgumentError(ToString());
}

}  // namespace kedge::agent
