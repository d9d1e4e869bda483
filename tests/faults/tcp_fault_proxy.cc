#include "tests/faults/tcp_fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kedge::testing {

struct TcpFaultProxy::Link {
  int client = -1;
  int upstream = -1;
  std::mutex mu;

  void Shutdown() {
    std::lock_guard<std::mutex> lock(mu);
    if (client >= 0) ::shutdown(client, SHUT_RDWR);
    if (upstream >= 0) ::shutdown(upstream, SHUT_RDWR);
  }
  // Closes both sides; with `reset` the peers see a TCP RST instead of an orderly close.
  void Close(bool reset) {
    std::lock_guard<std::mutex> lock(mu);
    for (int* fd : {&client, &upstream}) {
      if (*fd < 0) continue;
      if (reset) {
        linger l{1, 0};
        ::setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      }
      ::close(*fd);
      *fd = -1;
    }
  }
};

namespace {

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string StatusAnswer(int status) {
  std::string code = status == 503 ? "ServiceUnavailableException" : "InternalFailure";
  std::string body = "{\"Message\":\"injected " + std::to_string(status) + "\"}";
  return "HTTP/1.1 " + std::to_string(status) + " Injected\r\nContent-Type: application/json\r\n" +
         "x-amzn-ErrorType: " + code + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

Status TcpFaultProxy::Start() {
  return listener_.Start("tcp fault proxy", [this](int fd) { OnAccept(fd); });
}

void TcpFaultProxy::Stop() {
  if (stopping_.exchange(true)) return;
  listener_.Stop();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& link : links_) link->Shutdown();
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void TcpFaultProxy::SetPlan(std::vector<ConnectionFault> plan) {
  std::lock_guard<std::mutex> lock(mu_);
  plan_ = std::move(plan);
  next_ = 0;
}

ConnectionFault TcpFaultProxy::NextFault() {
  std::lock_guard<std::mutex> lock(mu_);
  if (plan_.empty()) return {};
  return plan_[next_++ % plan_.size()];
}

void TcpFaultProxy::OnAccept(int fd) {
  ++connections_;
  auto link = std::make_shared<Link>();
  link->client = fd;
  ConnectionFault fault = NextFault();
  std::lock_guard<std::mutex> lock(mu_);
  links_.push_back(link);
  threads_.emplace_back([this, link, fault] { Serve(link, fault); });
}

void TcpFaultProxy::Serve(std::shared_ptr<Link> link, ConnectionFault fault) {
  if (fault.connect_delay.count() > 0) std::this_thread::sleep_for(fault.connect_delay);
  if (fault.answer_status != 0) {
    ++faults_injected_;
    AnswerInstead(*link, fault.answer_status);
    return;
  }
  link->upstream = ConnectLoopback(upstream_port_.load());
  if (link->upstream < 0) {
    link->Close(/*reset=*/true);
    return;
  }
  Pump(*link, fault);
}

void TcpFaultProxy::AnswerInstead(Link& link, int status) {
  std::string head;  // read the request head, then answer without forwarding
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
    ssize_t n = ::recv(link.client, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  std::string answer = StatusAnswer(status);
  WriteAll(link.client, answer.data(), answer.size());
  link.Close(/*reset=*/false);
}

void TcpFaultProxy::Pump(Link& link, const ConnectionFault& fault) {
  int64_t request_bytes = 0, response_bytes = 0;
  std::vector<char> buf(64 * 1024);
  bool open = true;
  while (open && !stopping_) {
    pollfd fds[2] = {{link.client, POLLIN, 0}, {link.upstream, POLLIN, 0}};
    if (::poll(fds, 2, 1000) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      ssize_t n = ::recv(link.client, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      size_t pass = static_cast<size_t>(n);
      bool reset = fault.reset_after_request_bytes >= 0 &&
                   request_bytes + n >= fault.reset_after_request_bytes;
      if (reset) pass = static_cast<size_t>(fault.reset_after_request_bytes - request_bytes);
      open = WriteAll(link.upstream, buf.data(), pass);
      request_bytes += static_cast<int64_t>(pass);
      if (reset) {
        ++faults_injected_;
        link.Close(/*reset=*/true);
        return;
      }
    }
    if (open && fds[1].revents != 0) {
      ssize_t n = ::recv(link.upstream, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      size_t have = static_cast<size_t>(n);
      bool truncate = fault.truncate_response_bytes >= 0 &&
                      response_bytes + n >= fault.truncate_response_bytes;
      if (truncate) have = static_cast<size_t>(fault.truncate_response_bytes - response_bytes);
      size_t step = fault.response_chunk > 0 ? fault.response_chunk : have;
      for (size_t at = 0; open && at < have; at += step) {
        if (at > 0 && fault.response_chunk_delay.count() > 0) {
          std::this_thread::sleep_for(fault.response_chunk_delay);  // the injected slowness
        }
        open = WriteAll(link.client, buf.data() + at, std::min(step, have - at));
      }
      response_bytes += static_cast<int64_t>(have);
      if (truncate) {
        ++faults_injected_;
        break;
      }
    }
  }
  link.Close(/*reset=*/false);
}

}  // namespace kedge::testing
