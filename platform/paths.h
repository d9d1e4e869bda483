#pragma once
// Where kedge keeps its files on each platform.
//
//   Linux:   config /etc/kedge/kedge.yaml, state /var/lib/kedge, logs to stderr (the journal).
//            Under systemd, $CONFIGURATION_DIRECTORY, $STATE_DIRECTORY and $LOGS_DIRECTORY (set by
//            ConfigurationDirectory=, StateDirectory=, LogsDirectory=) take precedence; when a
//            unit lists several directories, systemd joins them with ':' and the first is used.
//   Windows: everything under %ProgramData%\kedge: kedge.yaml, state\ (spool, fragments),
//            logs\. %ProgramData% falls back to C:\ProgramData.
//
// Pure functions of the environment: no file is touched. Both flavours compile everywhere so
// that each can be tested on any host; DefaultPaths picks the one for the platform built for.

#include <string>

#include "platform/env.h"

namespace kedge {

struct Paths {
  std::string config_dir;
  std::string config_file;  // kedge.yaml in config_dir
  std::string state_dir;    // the spool and the fragment store live here
  std::string log_dir;      // empty: log to stderr only (systemd's journal captures it)
};

Paths LinuxPaths(const Env& env);
Paths WindowsPaths(const Env& env);

// LinuxPaths on every non-Windows platform, WindowsPaths on Windows.
Paths DefaultPaths(const Env& env);

}  // namespace kedge
