#include "platform/paths.h"

namespace kedge {
namespace {

// The first entry of a systemd directory variable ("/var/lib/kedge:/var/lib/other"), or
// `fallback` when it is unset, empty or not absolute.
std::string FirstDirOr(const Env& env, const char* name, const std::string& fallback) {
  std::optional<std::string> value = env.GetVar(name);
  if (!value) return fallback;
  std::string first = value->substr(0, value->find(':'));
  if (first.empty() || first[0] != '/') return fallback;
  while (first.size() > 1 && first.back() == '/') first.pop_back();
  return first;
}

}  // namespace

Paths LinuxPaths(const Env& env) {
  Paths paths;
  paths.config_dir = FirstDirOr(env, "CONFIGURATION_DIRECTORY", "/etc/kedge");
  paths.config_file = paths.config_dir + "/kedge.yaml";
  paths.state_dir = FirstDirOr(env, "STATE_DIRECTORY", "/var/lib/kedge");
  paths.log_dir = FirstDirOr(env, "LOGS_DIRECTORY", "");
  return paths;
}

#ifndef _WIN32
Paths DefaultPaths(const Env& env) { return LinuxPaths(env); }
#endif

}  // namespace kedge
