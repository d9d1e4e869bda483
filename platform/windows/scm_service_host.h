#pragma once
// ScmServiceHost: the logic of a Windows service, apart from the Win32 calls. It turns the
// Service Control Manager's protocol into calls on a kedge::Service and the service's
// notifications into SetServiceStatus reports:
//
//   RunServiceMain()  START_PENDING (no controls accepted yet, wait hint) -> Service::Run
//   NotifyReady()     RUNNING, accepting STOP | SHUTDOWN | PRESHUTDOWN
//   STOP / SHUTDOWN / PRESHUTDOWN control
//                     STOP_PENDING with a wait hint first, then Service::RequestStop(reason);
//                     the handler returns at once (the SCM allows it 30 s) and the service
//                     stops on its own thread. PRESHUTDOWN arrives before the OS stops
//                     services at shutdown: the service flushes its spool then.
//   NotifyWatchdog()  while pending, the next checkpoint: "still making progress"
//   Run returns       STOPPED; an error becomes ERROR_SERVICE_SPECIFIC_ERROR with exit code 1,
//                     so the failure actions set at install (restart) apply.
//
// Threads: RunServiceMain runs on the ServiceMain thread and returns when the service has
// stopped; HandleControl runs on the dispatcher thread; the ServiceHost methods may be called
// from any thread. The host borrows the connection, the service and the event reporter (which
// may be null); they must outlive it.

#include <chrono>
#include <cstdint>
#include <mutex>

#include "platform/service_host.h"
#include "platform/windows/service_status.h"

namespace kedge::windows {

struct ScmTimings {
  // How long start-up may take between two checkpoints before the SCM gives up.
  uint32_t start_wait_hint_ms = 30000;
  // How long stopping may take between two checkpoints. At PRESHUTDOWN the OS waits for at
  // most the preshutdown timeout set at install (service_installer.h), whatever the hint.
  uint32_t stop_wait_hint_ms = 30000;
};

class ScmServiceHost : public ServiceHost {
 public:
  ScmServiceHost(ScmConnection& scm, Service& service, EventReporter* events,
                 ScmTimings timings = ScmTimings());

  // The body of ServiceMain, after the control handler is registered. Returns the Win32 exit
  // code reported with STOPPED.
  uint32_t RunServiceMain();

  // The body of the HandlerEx callback: kNoError for a handled control, kErrorCallNotImplemented
  // for one the service does not handle. Never blocks on the service.
  uint32_t HandleControl(uint32_t control);

  // ServiceHost.
  void NotifyReady() override;
  void NotifyStopping() override;
  void NotifyStatus(const std::string& status) override;
  void NotifyWatchdog() override;
  // While start or stop is pending, a checkpoint is due within half the wait hint.
  std::chrono::microseconds WatchdogInterval() const override;

  // The last report sent (for tests and `kedge status`).
  ServiceStatusReport current() const;

 private:
  // Enters STOP_PENDING unless already stopping or stopped. Returns true if it did.
  bool EnterStopPendingLocked();
  void ReportLocked();
  void Event(EventKind kind, const std::string& message);

  ScmConnection& scm_;
  Service& service_;
  EventReporter* const events_;
  const ScmTimings timings_;

  mutable std::mutex mu_;
  ServiceStatusReport report_;  // guarded by mu_
};

}  // namespace kedge::windows
