#pragma once
// ServiceHost: how the daemon tells whoever supervises it (systemd, the Windows Service Control
// Manager, or nobody in a console) where it is in its life: started, still alive, stopping.
// Service: what the daemon gives a host that drives it (the Windows SCM calls Run on its own
// thread and RequestStop from its control handler).
//
// The daemon calls NotifyReady once its config is loaded and the spool is open, NotifyWatchdog
// whenever its loops have made progress (at least every WatchdogInterval()), and NotifyStopping
// when it begins to shut down. All methods are thread-safe and never block for long; failures to
// reach the supervisor are logged by the implementation (rate-limited) and otherwise ignored: a
// missing supervisor must never stop the agent.

#include <chrono>
#include <string>

#include "platform/status.h"

namespace kedge {

class ServiceHost {
 public:
  virtual ~ServiceHost() = default;

  // Start-up is complete: the service is running.
  virtual void NotifyReady() = 0;
  // Shutdown has begun. Called once, before flushing.
  virtual void NotifyStopping() = 0;
  // A one-line human-readable state ("uploading to edge-logs", "spool 80% full"). Newlines are
  // replaced by spaces.
  virtual void NotifyStatus(const std::string& status) = 0;
  // The daemon is alive and making progress. While stopping it also tells the supervisor that
  // shutdown is still progressing (Windows: the next checkpoint).
  virtual void NotifyWatchdog() = 0;
  // How often NotifyWatchdog must be called; zero when nobody watches.
  virtual std::chrono::microseconds WatchdogInterval() const = 0;
};

// For console runs and supervisors without a protocol: every notification is dropped.
class NullServiceHost : public ServiceHost {
 public:
  void NotifyReady() override {}
  void NotifyStopping() override {}
  void NotifyStatus(const std::string&) override {}
  void NotifyWatchdog() override {}
  std::chrono::microseconds WatchdogInterval() const override {
    return std::chrono::microseconds(0);
  }
};

// Why a host asks the service to stop. On kShutdown and kPreshutdown the machine is going down:
// the service should make its spool durable (fsync) before anything else, because it may have
// only seconds.
enum class StopReason { kStop, kShutdown, kPreshutdown };

class Service {
 public:
  virtual ~Service() = default;
  // Runs the daemon until it is asked to stop or fails. Calls host.NotifyReady() once started.
  // Called once, on a thread the host owns. Returns OK after a clean stop.
  virtual Status Run(ServiceHost& host) = 0;
  // Asks Run to return soon. Called from another thread (a control handler); must not block.
  virtual void RequestStop(StopReason reason) = 0;
};

}  // namespace kedge
