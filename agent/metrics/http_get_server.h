#pragma once
// HttpGetServer: a minimal HTTP/1.1 server for read-only pages (/metrics, /healthz, /status,
// the status page). GET and HEAD only, one request per connection ("Connection: close"),
// requests handled one at a time on the server's own thread. Robust to bad clients: a request
// head over 8 KiB, a malformed request line, a method other than GET/HEAD, or a client that
// sends too slowly gets an error status or is dropped, and the server carries on.
// Binds to loopback by default (the config's http.listen); port 0 picks a free port (tests).
// Not for anything bigger: kedge-ingest uses Boost.Beast.
//
// Threads: Start/Stop from the owner's thread; the handler runs on the server thread and must
// be thread-safe with respect to the rest of the agent (it reads atomics and snapshots).

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "platform/status.h"

namespace kedge::agent {

struct HttpRequest {
  std::string method;  // GET or HEAD
  std::string path;    // without the query
  std::string query;   // after '?', undecoded
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpGetServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  static constexpr size_t kMaxRequestHead = 8192;

  explicit HttpGetServer(Handler handler,
                         std::chrono::milliseconds read_timeout = std::chrono::seconds(5));
  ~HttpGetServer();
  HttpGetServer(const HttpGetServer&) = delete;
  HttpGetServer& operator=(const HttpGetServer&) = delete;

  // Binds "host:port" ("127.0.0.1:9464", "[::1]:0") and starts serving. Errors name the address
  // (in use, permission denied, not a local address).
  Status Start(const std::string& listen);
  // Stops serving and joins the thread; idempotent.
  void Stop();
  // The bound port (useful after binding port 0); 0 before Start.
  int port() const { return port_; }

 private:
  void Serve();
  void HandleConnection(int fd);

  Handler handler_;
  std::chrono::milliseconds read_timeout_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
};

// Parses a request head ("GET /x?y HTTP/1.1\r\n..."); returns the HTTP status to answer with
// when it is not acceptable (400, 405, 505), or 0 when *request was filled.
int ParseRequestHead(const std::string& head, HttpRequest* request);

}  // namespace kedge::agent
