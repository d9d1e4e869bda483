#pragma once
// HttpServer: the HTTP/1.1 (and HTTPS) server of kedge-ingest, on Boost.Beast/Asio.
//
// One io_context run by a few threads; each connection is served on its own strand, so its
// handlers never run concurrently with each other. Keep-alive, `Expect: 100-continue`, chunked
// request bodies (buffered up to max_body_bytes for ordinary requests, handed over piece by piece
// to streamed handlers such as PutMedia), streamed chunked responses, and limits on header size,
// body size, connection count and idle time.
//
// Threading: Start/Stop from one owner thread. The Router must outlive the server.
// Errors: Start returns InvalidArgument for a bad address or TLS files, Unavailable when the
// address cannot be bound.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ingest/server/router.h"
#include "platform/status.h"

namespace kedge::ingest {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 = any free port; read it back with port()
  int threads = 2;
  size_t max_connections = 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 16 * 1024 * 1024;  // for buffered (non-streamed) requests
  std::chrono::milliseconds idle_timeout{60000};     // between requests on a kept-alive connection
  std::chrono::milliseconds request_timeout{60000};  // to read one buffered request
  std::chrono::milliseconds tick_interval{1000};     // StreamHandler::OnTick period
  // OnTick period of response streams (GetMedia polls for new fragments on it).
  std::chrono::milliseconds response_stream_tick_interval{200};
  std::string tls_cert_file;  // PEM; TLS is on when both are set
  std::string tls_key_file;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router& router);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listen() binds (port() is known after it), Run() starts serving; Start() does both.
  Status Listen();
  void Run();
  Status Start() {
    KEDGE_RETURN_IF_ERROR(Listen());
    Run();
    return Status::Ok();
  }
  // Closes the listener and every connection, and joins the threads. Idempotent.
  void Stop();

  uint16_t port() const;
  bool tls() const;
  size_t active_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kedge::ingest
