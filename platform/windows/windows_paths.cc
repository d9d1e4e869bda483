#include "platform/paths.h"

// Portable: compiled on every platform so that it is tested on Linux too.

namespace kedge {

Paths WindowsPaths(const Env& env) {
  std::string program_data = env.GetVar("ProgramData").value_or("");
  if (program_data.empty()) program_data = env.GetVar("PROGRAMDATA").value_or("");
  if (program_data.empty()) program_data = "C:\\ProgramData";
  while (program_data.size() > 3 &&
         (program_data.back() == '\\' || program_data.back() == '/')) {
    program_data.pop_back();
  }
  Paths paths;
  paths.config_dir = program_data + "\\kedge";
  paths.config_file = paths.config_dir + "\\kedge.yaml";
  paths.state_dir = paths.config_dir + "\\state";
  paths.log_dir = paths.config_dir + "\\logs";
  return paths;
}

#ifdef _WIN32
Paths DefaultPaths(const Env& env) { return WindowsPaths(env); }
#endif

}  // namespace kedge
