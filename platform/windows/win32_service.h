#pragma once
// The Win32 side of the Windows service host. Windows only.
//
//   int main() {
//     MyAgent agent;                                  // a kedge::Service
//     if (auto code = RunAsWindowsService("kedge", agent)) return *code;
//     return RunInConsole(agent);                     // not started by the SCM
//   }
//
// RunAsWindowsService blocks in StartServiceCtrlDispatcherW until the service has stopped.

#include <memory>
#include <optional>
#include <string>

#include "platform/service_host.h"
#include "platform/windows/service_installer.h"
#include "platform/windows/service_status.h"

namespace kedge::windows {

// Runs `service` as the service `name` when the SCM started this process and returns the
// process exit code; nullopt when the process was started from a console
// (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT). One call per process.
std::optional<int> RunAsWindowsService(const std::string& name, Service& service);

// Reports to the Application event log under `source`.
class Win32EventLog : public EventReporter {
 public:
  explicit Win32EventLog(const std::string& source);
  ~Win32EventLog() override;
  Win32EventLog(const Win32EventLog&) = delete;
  Win32EventLog& operator=(const Win32EventLog&) = delete;
  void Report(EventKind kind, const std::string& message) override;

 private:
  void* handle_;  // HANDLE from RegisterEventSourceW; null when registration failed
};

// The real Service Control Manager and Event Log registry (needs Administrator rights).
std::unique_ptr<ServiceManager> CreateWin32ServiceManager();

}  // namespace kedge::windows
