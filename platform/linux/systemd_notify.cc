#include "platform/linux/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "platform/logging.h"
#include "platform/posix/posix_error.h"

namespace kedge {
namespace {

// Parses a decimal number made only of digits; nullopt on anything else or on overflow.
std::optional<unsigned long long> ParseDecimal(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  unsigned long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

// Fills `addr` for a NOTIFY_SOCKET value; returns the address length to pass to sendto.
StatusOr<socklen_t> MakeAddress(const std::string& path, sockaddr_un* addr) {
  if (path.empty() || (path[0] != '/' && path[0] != '@')) {
    // systemd also knows vsock: addresses (VMs); kedge does not run there.
    return Status(StatusCode::kInvalidArgument,
                  "NOTIFY_SOCKET '" + path + "' is neither an absolute path nor @abstract");
  }
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  const bool abstract = path[0] == '@';
  // A file system path needs room for its terminating NUL; an abstract name does not.
  const size_t limit = sizeof(addr->sun_path) - (abstract ? 0 : 1);
  if (path.size() > limit) {
    return Status(StatusCode::kInvalidArgument,
                  "NOTIFY_SOCKET '" + path + "' is longer than a unix socket address allows (" +
                      std::to_string(limit) + " bytes)");
  }
  std::memcpy(addr->sun_path, path.data(), path.size());
  if (abstract) addr->sun_path[0] = '\0';
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                (abstract ? 0 : 1));
}

}  // namespace

std::optional<std::chrono::microseconds> WatchdogPingInterval(const Env& env, long pid) {
  std::optional<std::string> usec_text = env.GetVar("WATCHDOG_USEC");
  if (!usec_text) return std::nullopt;
  std::optional<unsigned long long> usec = ParseDecimal(*usec_text);
  if (!usec || *usec == 0) return std::nullopt;
  if (std::optional<std::string> pid_text = env.GetVar("WATCHDOG_PID")) {
    std::optional<unsigned long long> for_pid = ParseDecimal(*pid_text);
    if (!for_pid || *for_pid != static_cast<unsigned long long>(pid)) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<long long>(*usec / 2));
}

SystemdNotifier::SystemdNotifier(std::string socket_path,
                                 std::chrono::microseconds watchdog_interval)
    : socket_path_(std::move(socket_path)), watchdog_interval_(watchdog_interval) {}

std::unique_ptr<SystemdNotifier> SystemdNotifier::FromEnv(const Env& env, long pid) {
  std::optional<std::string> path = env.GetVar("NOTIFY_SOCKET");
  if (!path || path->empty()) return nullptr;
  auto interval = WatchdogPingInterval(env, pid).value_or(std::chrono::microseconds(0));
  return std::make_unique<SystemdNotifier>(*path, interval);
}

Status SystemdNotifier::Send(const std::string& message) const {
  sockaddr_un addr;
  KEDGE_ASSIGN_OR_RETURN(socklen_t addr_len, MakeAddress(socket_path_, &addr));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return PosixError("socket(AF_UNIX) for NOTIFY_SOCKET", errno);
  ssize_t sent;
  do {
    sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                  reinterpret_cast<const sockaddr*>(&addr), addr_len);
  } while (sent < 0 && errno == EINTR);
  int send_errno = errno;
  close(fd);
  if (sent < 0) return PosixError("sending to NOTIFY_SOCKET " + socket_path_, send_errno);
  if (static_cast<size_t>(sent) != message.size()) {
    return Status(StatusCode::kInternal, "short datagram to NOTIFY_SOCKET " + socket_path_);
  }
  return Status::Ok();
}

void SystemdNotifier::SendOrLog(const std::string& message) const {
  Status status = Send(message);
  if (!status.ok()) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::minutes(1)) << "systemd notification failed: "
                                                   << status.ToString();
  }
}

void SystemdNotifier::NotifyReady() { SendOrLog("READY=1"); }

void SystemdNotifier::NotifyStopping() { SendOrLog("STOPPING=1"); }

void SystemdNotifier::NotifyStatus(const std::string& status) {
  std::string line = status;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  SendOrLog("STATUS=" + line);
}

void SystemdNotifier::NotifyWatchdog() {
  if (watchdog_interval_.count() > 0) SendOrLog("WATCHDOG=1");
}

std::unique_ptr<ServiceHost> CreateLinuxServiceHost(const Env& env, long pid) {
  if (auto notifier = SystemdNotifier::FromEnv(env, pid)) return notifier;
  return std::make_unique<NullServiceHost>();
}

}  // namespace kedge
