#pragma once
// TcpFaultProxy: a byte-level proxy on 127.0.0.1 port 0 for streamed HTTP (PutMedia and its
// ACK stream), which a buffering HTTP proxy cannot carry. Each accepted connection is paired
// with a connection to the upstream port and bytes are pumped both ways, with the fault that
// the test scripted for that connection (faults are taken in turn from a cyclic plan, by the
// order connections are accepted):
//
//   reset_after_request_bytes  reset both sides once this many request bytes were forwarded
//                              (a connection reset in the middle of an upload)
//   answer_status              answer this HTTP status (500, 503, ...) with an AWS error body
//                              instead of connecting upstream; the request is not forwarded
//   truncate_response_bytes    close both sides once this many response bytes were forwarded
//                              (a truncated ACK stream)
//   response_chunk, response_chunk_delay
//                              forward the response in pieces of this size, waiting this long
//                              between them (a slow ACK stream)
//   connect_delay              wait this long before connecting upstream (added latency)
//
// Threading: one thread accepts, one thread per connection pumps; public methods are
// thread-safe. Stop() (and the destructor) closes everything and joins.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/status.h"
#include "tests/support/loopback_listener.h"

namespace kedge::testing {

struct ConnectionFault {
  int64_t reset_after_request_bytes = -1;  // -1: never
  int answer_status = 0;                   // 0: forward
  int64_t truncate_response_bytes = -1;    // -1: never
  size_t response_chunk = 0;               // 0: as read
  std::chrono::milliseconds response_chunk_delay{0};
  std::chrono::milliseconds connect_delay{0};
};

class TcpFaultProxy {
 public:
  TcpFaultProxy() = default;
  ~TcpFaultProxy() { Stop(); }
  TcpFaultProxy(const TcpFaultProxy&) = delete;
  TcpFaultProxy& operator=(const TcpFaultProxy&) = delete;

  // Binds 127.0.0.1:0 and starts accepting. The upstream port may be set later (before the
  // first connection): SetUpstreamPort.
  Status Start();
  void Stop();
  int port() const { return listener_.port(); }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  void SetUpstreamPort(int port) { upstream_port_ = port; }

  // Faults for the connections accepted from now on, in turn; empty = forward faithfully.
  void SetPlan(std::vector<ConnectionFault> plan);

  int connections() const { return connections_.load(); }
  int faults_injected() const { return faults_injected_.load(); }

 private:
  struct Link;
  void OnAccept(int fd);
  void Serve(std::shared_ptr<Link> link, ConnectionFault fault);
  void AnswerInstead(Link& link, int status);
  void Pump(Link& link, const ConnectionFault& fault);
  ConnectionFault NextFault();

  LoopbackListener listener_;
  std::atomic<int> upstream_port_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> faults_injected_{0};

  std::mutex mu_;
  std::vector<ConnectionFault> plan_;         // guarded by mu_
  size_t next_ = 0;                           // guarded by mu_
  std::vector<std::thread> threads_;          // guarded by mu_
  std::vector<std::shared_ptr<Link>> links_;  // guarded by mu_
};

}  // namespace kedge::testing
