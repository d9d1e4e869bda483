#include "agent/metrics/http_get_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "agent/config/config_validate.h"
#include "platform/posix/posix_error.h"

namespace kedge::agent {
namespace {

// Closes the descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits until `fd` is ready for `events` or the deadline passes.
Status WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline,
               const std::string& what) {
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return DeadlineExceededError(what + ": no answer in time");
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return Status::Ok();
    if (n < 0 && errno != EINTR) return PosixError(what, errno);
  }
}

StatusOr<int> Connect(const std::string& host, int port,
                      std::chrono::steady_clock::time_point deadline, const std::string& what) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) return InvalidArgumentError(what + ": " + ::gai_strerror(rc));
  int fd = ::socket(result->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0 && ::connect(fd, result->ai_addr, result->ai_addrlen) != 0) err = errno;
  ::freeaddrinfo(result);
  if (err == EINPROGRESS) {
    Status s = WaitFor(fd, POLLOUT, deadline, what);
    socklen_t len = sizeof err;
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  }
  if (err != 0) {
    if (fd >= 0) ::close(fd);
    if (err == ECONNREFUSED) {
      return UnavailableError(what +
                              ": nothing is listening (is kedge running with http enabled?)");
    }
    return PosixError(what, err);
  }
  return fd;
}

}  // namespace

StatusOr<std::string> HttpGetLocal(const std::string& host_port, const std::string& path,
                                   Millis timeout) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(host_port, &host, &port)) {
    return InvalidArgumentError("'" + host_port + "' is not host:port");
  }
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  std::string what = "http://" + host_port + path;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  KEDGE_ASSIGN_OR_RETURN(int fd, Connect(host, port, deadline, what));
  FdCloser closer{fd};
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host_port +
                        "\r\nConnection: close\r\nUser-Agent: kedge-status\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    KEDGE_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline, what));
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return PosixError(what, errno);
    sent += static_cast<size_t>(n);
  }
  std::string response;
  for (;;) {
    KEDGE_RETURN_IF_ERROR(WaitFor(fd, POLLIN, deadline, what));
    char buf[8192];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return PosixError(what, errno);
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  size_t head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos || response.size() < 12) {
    return InternalError(what + ": not an HTTP answer");
  }
  std::string code = response.substr(9, 3);
  if (code != "200") {
    return InternalError(what + ": HTTP " + code + ": " + response.substr(head_end + 4, 200));
  }
  return response.substr(head_end + 4);
}

}  // namespace kedge::agent
