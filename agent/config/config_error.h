#pragma once
// ConfigErrors: every problem found in a configuration file, collected so a user sees all of
// them at once, each as one line "FILE:LINE: key.path: what is wrong, what is allowed".
// Single-threaded; owned by the loader that fills it.

#include <string>
#include <vector>

#include "platform/status.h"

namespace kedge::agent {

struct ConfigIssue {
  std::string file;
  int line = 0;          // 1-based; 0 when unknown (the line is then left out)
  std::string key;       // "sources[1].multiline_start_pattern"; empty for the whole file
  std::string message;   // "not a valid regular expression (...); use ECMAScript syntax"
  std::string ToString() const;
};

class ConfigErrors {
 public:
  explicit ConfigErrors(std::string file) : file_(std::move(file)) {}

  void Error(int line, const std::string& key, const std::string& message);
  void Warning(int line, const std::string& key, const std::string& message);

  bool ok() const { return errors_.empty(); }
  const std::vector<ConfigIssue>& errors() const { return errors_; }
  const std::vector<ConfigIssue>& warnings() const { return warnings_; }
  const std::string& file() const { return file_; }

  // All errors, one per line in line order; empty when there are none.
  std::string ToString() const;
  // All warnings as "FILE:LINE: key: warning: ...", each ending in a newline.
  std::string WarningsToString() const;
  // OK, or InvalidArgument carrying ToString().
  Status ToStatus() const;

 private:
  std::string file_;
  std::vector<ConfigIssue> errors_;
  std::vector<ConfigIssue> warnings_;
};

}  // namespace kedge::agent
