#pragma once
// TestHttpServer: a small HTTP/1.1 server for tests, in process, on 127.0.0.1 and port 0.
//
// It runs on its own threads (one accepting, one per connection), optionally over TLS with an
// optional required client certificate, and hands every request to a handler that says what to
// answer. Connections are kept alive (until the client closes, the request says
// "Connection: close", or the response asks to close or reset), and the server counts how many
// it accepted, so tests can check connection reuse.
//
//   TestHttpServer server([](const TestHttpRequest& r) {
//     TestHttpResponse out;
//     out.body = r.method + " " + r.path;
//     return out;
//   });
//   ASSERT_TRUE(server.Start().ok());
//   ... client sends to server.Url("/hello") ...
//
// Threading: the handler and ResponseStream's next_chunk run on the connection's thread,
// concurrently for concurrent connections, so they must be thread-safe. All public methods are
// thread-safe. The destructor stops the server and joins its threads; a handler blocked on
// something only the test releases must be released first.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "platform/status.h"
#include "tests/support/loopback_listener.h"
#include "tests/support/test_pki.h"

namespace kedge::testing {

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

struct TestHttpRequest {
  std::string method;
  std::string path;     // the request target as sent, query included
  TestHeaders headers;  // names lower-cased, in arrival order
  std::string body;     // de-chunked when the client used chunked transfer encoding
  bool chunked = false;
  int connection_index = 0;  // 1 for the first connection accepted, 2 for the next, ...

  // The first header named `name` (lower case), or "".
  std::string_view Header(std::string_view name) const;
};

// What the server does instead of (or after) answering normally.
enum class TestHttpAction {
  kRespond,  // send the response; keep the connection unless asked to close
  kClose,    // close the connection without answering
  kReset,    // reset the connection (TCP RST) without answering
  kHang,     // answer nothing and wait until the client gives up (or Stop())
};

struct TestHttpResponse {
  int status = 200;
  TestHeaders headers;  // Content-Length is added unless streaming
  std::string body;
  TestHttpAction action = TestHttpAction::kRespond;
  bool close_after = false;  // send "Connection: close" and close after responding

  // Streaming: when set, the body is sent with chunked encoding, one HTTP chunk per string
  // returned, each written as soon as it is returned; nullopt ends the body. It may block (for
  // instance until the test has seen the previous chunk arrive). `body` is then ignored.
  std::function<std::optional<std::string>()> next_chunk;
};

struct TestHttpServerOptions {
  bool tls = false;
  std::string cert_file;       // PEM, required with tls
  std::string key_file;        // PEM, required with tls
  std::string client_ca_file;  // non-empty: require a client certificate signed by this CA

  // TLS presenting `cert` (e.g. TestPki::server()); a non-empty `client_ca_file` requires
  // client certificates signed by it (mutual TLS).
  static TestHttpServerOptions Tls(const PemFiles& cert, std::string client_ca_file = {}) {
    TestHttpServerOptions options;
    options.tls = true;
    options.cert_file = cert.cert_file;
    options.key_file = cert.key_file;
    options.client_ca_file = std::move(client_ca_file);
    return options;
  }
};

class TestHttpServer {
 public:
  using Handler = std::function<TestHttpResponse(const TestHttpRequest&)>;

  explicit TestHttpServer(Handler handler, TestHttpServerOptions options = {});
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  // Binds 127.0.0.1:0, loads the TLS material and starts accepting. Errors name the cause.
  Status Start();
  // Closes the listener and every connection, and joins all threads. Idempotent.
  void Stop();

  int port() const { return listener_.port(); }
  // "http://127.0.0.1:<port><path>" (https with TLS).
  std::string Url(std::string_view path = "/") const;

  // Connections accepted so far (TLS handshakes that failed included).
  int connections_accepted() const { return connections_accepted_.load(); }
  // TLS handshakes that failed (e.g. missing or untrusted client certificate).
  int tls_handshake_failures() const { return tls_handshake_failures_.load(); }
  // Every request received so far, in order of arrival.
  std::vector<TestHttpRequest> requests() const;

  struct Connection;  // defined in the .cc

 private:
  void OnAccept(int fd);
  void Serve(std::shared_ptr<Connection> connection);

  Handler handler_;
  TestHttpServerOptions options_;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, kept opaque so the header needs no OpenSSL
  LoopbackListener listener_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_accepted_{0};
  std::atomic<int> tls_handshake_failures_{0};

  mutable std::mutex mu_;
  std::vector<std::thread> connection_threads_;                // guarded by mu_
  std::vector<std::shared_ptr<Connection>> open_connections_;  // guarded by mu_
  std::vector<TestHttpRequest> requests_;                      // guarded by mu_
};

}  // namespace kedge::testing
