#pragma once
// SystemdNotifier: the sd_notify(3) protocol, written by hand so that kedge needs no libsystemd
// to run as a Type=notify service. Each notification is one datagram ("READY=1",
// "WATCHDOG=1", "STOPPING=1", "STATUS=...") sent to the AF_UNIX socket named by $NOTIFY_SOCKET;
// a leading '@' there names a socket in the abstract namespace. The protocol is stable
// (systemd's own words) and the same on every systemd since 2010.
//
// Thread-safe: each message opens, sends and closes its own socket. Errors are logged at most
// once a minute and otherwise ignored.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "platform/env.h"
#include "platform/service_host.h"
#include "platform/status.h"

namespace kedge {

// How often to send WATCHDOG=1: half of $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises.
// nullopt when the watchdog is off: WATCHDOG_USEC unset, zero or not a number, or WATCHDOG_PID
// set to another process than `pid`.
std::optional<std::chrono::microseconds> WatchdogPingInterval(const Env& env, long pid);

class SystemdNotifier : public ServiceHost {
 public:
  // `socket_path` as in $NOTIFY_SOCKET: a file system path or "@abstract-name".
  SystemdNotifier(std::string socket_path, std::chrono::microseconds watchdog_interval);

  // A notifier for the socket in `env`, or nullptr when $NOTIFY_SOCKET is unset or empty (not
  // started by systemd, or Type= is not notify). `pid` is this process's id.
  static std::unique_ptr<SystemdNotifier> FromEnv(const Env& env, long pid);

  // Sends one datagram. InvalidArgument for a socket name that does not fit a sockaddr_un;
  // the mapped errno otherwise (NotFound when nobody listens at the path).
  Status Send(const std::string& message) const;

  void NotifyReady() override;
  void NotifyStopping() override;
  void NotifyStatus(const std::string& status) override;
  void NotifyWatchdog() override;
  std::chrono::microseconds WatchdogInterval() const override { return watchdog_interval_; }

  const std::string& socket_path() const { return socket_path_; }

 private:
  void SendOrLog(const std::string& message) const;

  const std::string socket_path_;
  const std::chrono::microseconds watchdog_interval_;
};

// The host to use on Linux: a SystemdNotifier when started by systemd with Type=notify, a
// NullServiceHost otherwise.
std::unique_ptr<ServiceHost> CreateLinuxServiceHost(const Env& env, long pid);

}  // namespace kedge
