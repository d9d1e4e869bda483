#include "platform/windows/scm_service_host.h"

#include <algorithm>

#include "platform/logging.h"

// Portable: compiled on every platform so that the SCM protocol is tested on Linux too.

namespace kedge::windows {
namespace {

constexpr uint32_t kAcceptedWhileRunning = kAcceptStop | kAcceptShutdown | kAcceptPreshutdown;

StopReason ReasonFor(uint32_t control) {
  switch (control) {
    case kControlShutdown:
      return StopReason::kShutdown;
    case kControlPreshutdown:
      return StopReason::kPreshutdown;
    default:
      return StopReason::kStop;
  }
}

const char* ControlName(uint32_t control) {
  switch (control) {
    case kControlShutdown:
      return "shutdown";
    case kControlPreshutdown:
      return "preshutdown";
    default:
      return "stop";
  }
}

}  // namespace

ScmServiceHost::ScmServiceHost(ScmConnection& scm, Service& service, EventReporter* events,
                               ScmTimings timings)
    : scm_(scm), service_(service), events_(events), timings_(timings) {}

uint32_t ScmServiceHost::RunServiceMain() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // No controls are accepted while starting: the SCM queues a stop until RUNNING.
    report_ = ServiceStatusReport();
    report_.state = ServiceState::kStartPending;
    report_.check_point = 1;
    report_.wait_hint_ms = timings_.start_wait_hint_ms;
    ReportLocked();
  }
  Status result = service_.Run(*this);
  uint32_t exit_code = result.ok() ? kNoError : kErrorServiceSpecificError;
  // Before STOPPED: the SCM may end the process once it has been told.
  if (result.ok()) {
    Event(EventKind::kInfo, "kedge stopped");
  } else {
    Event(EventKind::kError, "kedge stopped with an error: " + result.ToString());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    report_.state = ServiceState::kStopped;
    report_.controls_accepted = 0;
    report_.check_point = 0;
    report_.wait_hint_ms = 0;
    report_.win32_exit_code = exit_code;
    report_.service_exit_code = result.ok() ? 0 : 1;
    ReportLocked();
  }
  return exit_code;
}

uint32_t ScmServiceHost::HandleControl(uint32_t control) {
  switch (control) {
    case kControlInterrogate: {
      std::lock_guard<std::mutex> lock(mu_);
      ReportLocked();
      return kNoError;
    }
    case kControlStop:
    case kControlShutdown:
    case kControlPreshutdown: {
      bool entered;
      {
        std::lock_guard<std::mutex> lock(mu_);
        entered = EnterStopPendingLocked();
      }
      if (entered) {
        KEDGE_LOG(kInfo) << "service control: " << ControlName(control) << ", stopping";
        service_.RequestStop(ReasonFor(control));
      }
      return kNoError;
    }
    default:
      return kErrorCallNotImplemented;
  }
}

void ScmServiceHost::NotifyReady() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (report_.state != ServiceState::kStartPending) return;
    report_.state = ServiceState::kRunning;
    report_.controls_accepted = kAcceptedWhileRunning;
    report_.check_point = 0;
    report_.wait_hint_ms = 0;
    ReportLocked();
  }
  Event(EventKind::kInfo, "kedge started");
}

void ScmServiceHost::NotifyStopping() {
  std::lock_guard<std::mutex> lock(mu_);
  EnterStopPendingLocked();
}

void ScmServiceHost::NotifyStatus(const std::string& status) {
  KEDGE_LOG(kDebug) << "service status: " << status;
}

void ScmServiceHost::NotifyWatchdog() {
  std::lock_guard<std::mutex> lock(mu_);
  if (report_.state != ServiceState::kStartPending &&
      report_.state != ServiceState::kStopPending) {
    return;
  }
  ++report_.check_point;
  ReportLocked();
}

std::chrono::microseconds ScmServiceHost::WatchdogInterval() const {
  uint32_t hint = std::min(timings_.start_wait_hint_ms, timings_.stop_wait_hint_ms);
  return std::chrono::microseconds(static_cast<int64_t>(hint) * 1000 / 2);
}

ServiceStatusReport ScmServiceHost::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return report_;
}

bool ScmServiceHost::EnterStopPendingLocked() {
  if (report_.state == ServiceState::kStopPending || report_.state == ServiceState::kStopped) {
    return false;
  }
  report_.state = ServiceState::kStopPending;
  report_.controls_accepted = 0;
  report_.check_point = 1;
  report_.wait_hint_ms = timings_.stop_wait_hint_ms;
  ReportLocked();
  return true;
}

void ScmServiceHost::ReportLocked() { scm_.SetStatus(report_); }

void ScmServiceHost::Event(EventKind kind, const std::string& message) {
  if (events_ != nullptr) events_->Report(kind, message);
}

}  // namespace kedge::windows
