#pragma once
// `kedge service install|uninstall`: registers kedge with the Windows Service Control Manager.
// (`kedge service run`, what the registered command line starts, is agent/cli/service_command.h.)
//
// install  creates the service "kedge" (own process, automatic delayed start, running as
//          NT AUTHORITY\LocalService), sets its description, restart-on-failure actions that
//          also count a non-zero exit as a failure, and a preshutdown timeout long enough to
//          flush the spool; registers "kedge" as an Event Log source.
// uninstall stops the service if it runs, deletes it and removes the Event Log source.
//
// The decisions (command line, quoting, failure actions, messages) are here and portable; the
// Win32 calls are behind ServiceManager (win32_service_manager.cc on Windows, a fake in tests).

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "platform/paths.h"
#include "platform/status.h"

namespace kedge::windows {

struct FailureAction {
  enum class Type { kNone, kRestart };
  Type type = Type::kRestart;
  uint32_t delay_ms = 0;
};

struct ServiceInstallConfig {
  std::string name = "kedge";
  std::string display_name = "kedge edge agent";
  std::string description;
  std::string command_line;  // the full, quoted command line (lpBinaryPathName)
  std::string account = "NT AUTHORITY\\LocalService";
  bool delayed_auto_start = true;
  std::vector<FailureAction> failure_actions;
  uint32_t failure_reset_period_s = 86400;
  // Non-zero exits (not only crashes) trigger the failure actions.
  bool failure_actions_on_non_crash = true;
  uint32_t preshutdown_timeout_ms = 30000;
  std::string event_message_file;  // registered as the Event Log source's message file
};

// The Service Control Manager's database and the Event Log registry. Errors carry the Win32
// message ("Access is denied." when not run as Administrator).
class ServiceManager {
 public:
  virtual ~ServiceManager() = default;
  // CreateService, then ChangeServiceConfig2 for description, delayed start, failure actions
  // (and their flag) and preshutdown timeout. AlreadyExists when a service has this name.
  virtual Status Create(const ServiceInstallConfig& config) = 0;
  // Stops the service when running (waiting up to `stop_timeout_ms`), then deletes it.
  // NotFound when no service has this name.
  virtual Status Delete(const std::string& name, uint32_t stop_timeout_ms) = 0;
  virtual Status AddEventSource(const std::string& name, const std::string& message_file) = 0;
  virtual Status RemoveEventSource(const std::string& name) = 0;
};

// Quotes one argument for CommandLineToArgvW / the MSVC runtime: wraps in double quotes when it
// holds a space, tab or quote (or is empty), doubling backslashes that precede a quote.
std::string QuoteWindowsArg(const std::string& arg);

// The configuration `kedge service install` uses for the binary at `exe_path`: the service
// `name` runs `"<exe_path>" service run [--name NAME] --config <paths.config_file>`.
ServiceInstallConfig DefaultInstallConfig(const std::string& exe_path, const Paths& paths,
                                          const std::string& name = "kedge");

// Runs `kedge service <args...>` (args excludes "service"). Writes what it did to `out` and
// errors, with what to do about them, to `err`. Returns 0 on success, 1 on failure, 2 on a
// usage error.
int RunServiceCommand(const std::vector<std::string>& args, ServiceManager& manager,
                      const std::string& exe_path, const Paths& paths, std::ostream& out,
                      std::ostream& err);

}  // namespace kedge::windows
