#include "agent/metrics/http_get_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/config/config_validate.h"
#include "platform/logging.h"
#include "platform/posix/posix_error.h"

namespace kedge::agent {
namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

void SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing to do
    done += static_cast<size_t>(n);
  }
}

void SendResponse(int fd, const HttpResponse& r, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";
  if (r.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "\r\n";
  if (!head_only) out += r.body;
  SendAll(fd, out);
}

HttpResponse ErrorResponse(int status) {
  return {status, "text/plain; charset=utf-8", std::string(Reason(status)) + "\n"};
}

}  // namespace

int ParseRequestHead(const std::string& head, HttpRequest* request) {
  size_t eol = head.find("\r\n");
  std::string line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos) {
    return 400;
  }
  std::string method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string version = line.substr(sp2 + 1);
  if (version.rfind("HTTP/1.", 0) != 0 || version.size() != 8) return version.rfind("HTTP/", 0) == 0 ? 505 : 400;
  if (target.empty() || target[0] != '/') return 400;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return 400;
  }
  if (method != "GET" && method != "HEAD") return 405;
  size_t q = target.find('?');
  request->method = method;
  request->path = target.substr(0, q);
  request->query = q == std::string::npos ? "" : target.substr(q + 1);
  return 0;
}

HttpGetServer::HttpGetServer(Handler handler, std::chrono::milliseconds read_timeout)
    : handler_(std::move(handler)), read_timeout_(read_timeout) {}

HttpGetServer::~HttpGetServer() { Stop(); }

Status HttpGetServer::Start(const std::string& listen) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(listen, &host, &port)) {
    return InvalidArgumentError("http.listen: '" + listen + "' is not host:port");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) return InvalidArgumentError("http.listen: " + listen + ": " + ::gai_strerror(rc));
  int fd = ::socket(result->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, result->ai_addr, result->ai_addrlen) != 0 || ::listen(fd, 16) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ::freeaddrinfo(result);
    return PosixError("http.listen " + listen, err);
  }
  ::freeaddrinfo(result);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(fd);
    return PosixError("http server pipe", err);
  }
  listen_fd_ = fd;
  thread_ = std::thread([this] { Serve(); });
  return Status::Ok();
}

void HttpGetServer::Stop() {
  if (!thread_.joinable()) return;
  char byte = 1;
  while (::write(wake_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
  listen_fd_ = -1;
}

void HttpGetServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // EMFILE, ECONNABORTED...: try the next one
    HandleConnection(fd);
    ::close(fd);
  }
}

void HttpGetServer::HandleConnection(int fd) {
  std::string head;
  auto deadline = std::chrono::steady_clock::now() + read_timeout_;
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > kMaxRequestHead) return SendResponse(fd, ErrorResponse(431), false);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    pollfd w{wake_pipe_[0], POLLIN, 0};
    pollfd fds[2] = {p, w};
    if (left.count() <= 0 || ::poll(fds, 2, static_cast<int>(left.count())) <= 0) {
      return SendResponse(fd, ErrorResponse(408), false);
    }
    if (fds[1].revents & POLLIN) return;  // stopping
    char buf[2048];
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;  // closed before a whole request arrived
    head.append(buf, static_cast<size_t>(got));
  }
  HttpRequest request;
  int error = ParseRequestHead(head, &request);
  if (error != 0) return SendResponse(fd, ErrorResponse(error), false);
  SendResponse(fd, handler_(request), request.method == "HEAD");
}

}  // namespace kedge::agent
