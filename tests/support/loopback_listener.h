#pragma once
// LoopbackListener: a listening socket on 127.0.0.1 (port chosen by the kernel) whose own thread
// accepts connections and hands each one to a callback, until Stop. The test servers and proxies
// build on it and keep their connection handling to themselves.

#include <atomic>
#include <functional>
#include <thread>

#include "platform/status.h"

namespace kedge::testing {

class LoopbackListener {
 public:
  LoopbackListener() = default;
  ~LoopbackListener() { Stop(); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  // Binds and starts accepting; `on_accept` runs on the accept thread and owns the connection's
  // file descriptor. `name` goes into the error ("tcp fault proxy: ...").
  Status Start(const std::string& name, std::function<void(int fd)> on_accept);
  // Stops accepting and waits for the accept thread; connections already handed over are the
  // callback owner's to close. Idempotent.
  void Stop();
  int port() const { return port_; }

 private:
  void AcceptLoop();

  std::function<void(int)> on_accept_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
};

}  // namespace kedge::testing
