#pragma once
// `kedge service install|uninstall|run`: kedge as a Windows service.
//
//   install    registers the service (platform/windows/service_installer.h): automatic delayed
//              start as LocalService, restart on failure, a preshutdown timeout to drain, the
//              Event Log source; the SCM will start `kedge.exe service run --config
//              %ProgramData%\kedge\kedge.yaml`.
//   uninstall  stops and deletes it; %ProgramData%\kedge (config, spool, logs) is kept.
//   run        what the SCM starts: the `kedge run` loop (run_command.h) under the SCM host
//              (platform/windows/scm_service_host.h). STOP, SHUTDOWN and PRESHUTDOWN drain the
//              agent as SIGTERM does on Linux; start, stop and fatal errors go to the Event
//              Log, the log itself to %ProgramData%\kedge\logs\kedge.log.
// On other systems `kedge service` says it is for Windows and names the systemd unit.
//
// The Win32 calls are in the _WIN32 part of service_command.cc; what is below is portable and
// tested on Linux, with the real `kedge run` loop under the SCM host logic.

#include <atomic>
#include <string>
#include <vector>

#include "platform/paths.h"
#include "platform/service_host.h"
#include "platform/status.h"

namespace kedge::agent {

int ServiceCommand(const std::vector<std::string>& args);

// What `kedge service` prints on systems without a Service Control Manager.
extern const char kServiceIsForWindows[];

// `kedge service run [--name NAME] [--config FILE] [--log-level L]`, parsed: the service's
// name (the SCM's, and the Event Log source) and the arguments for `kedge run` (the config
// defaults to paths.config_file). InvalidArgument naming the bad argument.
struct ServiceRunArgs {
  std::string name = "kedge";
  std::vector<std::string> run_args;
};
StatusOr<ServiceRunArgs> ParseServiceRunArgs(const std::vector<std::string>& args,
                                             const Paths& paths);

// The `kedge run` loop as a kedge::Service, for a host that drives it: Run calls
// RunCommandWithHost(run_args, &host) on the host's thread; RequestStop (any thread, also
// before Run has started the agent) drains it as SIGTERM does. At SHUTDOWN and PRESHUTDOWN
// the drain is the same: the spool commits each batch as it is written, so what is left is to
// stop reading and close. One per process (the run loop is).
class RunLoopService : public Service {
 public:
  explicit RunLoopService(std::vector<std::string> run_args);
  // OK after a clean stop; Aborted naming the exit status (the reason is in the log) otherwise.
  Status Run(ServiceHost& host) override;
  void RequestStop(StopReason reason) override;
  // The reason of the last stop request (for the log and tests).
  StopReason last_stop_reason() const { return last_reason_.load(); }

 private:
  const std::vector<std::string> run_args_;
  std::atomic<StopReason> last_reason_{StopReason::kStop};
};

}  // namespace kedge::agent
