#pragma once
// HttpClient: HTTP/1.1 requests over TLS for everything kedge sends (Kinesis, Firehose, KVS,
// the IoT credentials provider).
//
// Threading: one owner thread calls Start/Poll/Cancel/Unpause and receives every callback on
// that thread, from inside Poll(). Only Wakeup() may be called from other threads.
// Callbacks run exactly once per started request (also on Cancel and on destruction of the
// client, with a Cancelled status).
// Errors: transport failures come back as a Status (never as an HttpResponse): Unavailable for
// connect/reset/DNS failures, DeadlineExceeded for timeouts, FailedPrecondition for TLS
// verification failures (the message names the cause: untrusted, expired, wrong host), and
// InvalidArgument for malformed URLs. Any HTTP status, 4xx and 5xx included, is a response.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/status.h"

namespace kedge::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Returned by a BodyReader to say "nothing to send yet": the transfer pauses until Unpause().
inline constexpr size_t kBodyPause = static_cast<size_t>(-1);

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://, with port and query as needed
  Headers headers;  // sent as given, in order
  std::string body;

  // Streaming upload. When set, `body` is ignored and the body is pulled from here with chunked
  // transfer encoding. The reader fills `buf` with up to `max` bytes and returns how many;
  // 0 ends the body; kBodyPause pauses the upload until HttpClient::Unpause(id).
  std::function<size_t(char* buf, size_t max)> body_reader;

  // Streaming download. When set, each piece of the response body is handed over as it arrives
  // and HttpResponse::body stays empty (e.g. the PutMedia ACK stream).
  std::function<void(std::string_view chunk)> on_body;

  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{30000};  // whole request; 0 = none (long uploads)
};

struct HttpResponse {
  int status = 0;
  Headers headers;  // names lower-cased
  std::string body;

  // The first header named `name` (lower case), or "".
  std::string_view Header(std::string_view name) const;
};

struct TlsOptions {
  bool verify_peer = true;   // peer and host name verification; off only by explicit config
  std::string ca_file;       // PEM bundle; empty = system store
  std::string client_cert;   // PEM file, for mutual TLS (IoT credentials provider, ...)
  std::string client_key;    // PEM file
};

struct HttpClientOptions {
  TlsOptions tls;
  std::string proxy;            // empty = from the environment (https_proxy, no_proxy, ...)
  size_t max_connections = 16;  // kept alive and reused across requests
  std::string user_agent = "kedge/0.1";
};

class HttpClient {
 public:
  using RequestId = uint64_t;
  using Callback = std::function<void(StatusOr<HttpResponse>)>;

  virtual ~HttpClient() = default;

  // Starts a request; `done` runs on the owner thread from a later Poll().
  virtual RequestId Start(HttpRequest request, Callback done) = 0;
  // Aborts a request; its callback runs with a Cancelled status. Unknown ids are ignored.
  virtual void Cancel(RequestId id) = 0;
  // Resumes an upload whose body reader returned kBodyPause.
  virtual void Unpause(RequestId id) = 0;
  // Moves transfers forward, waiting up to `max_wait` for network activity or Wakeup(), and
  // runs the callbacks of finished requests. Returns the number of requests still running.
  virtual size_t Poll(std::chrono::milliseconds max_wait) = 0;
  // Makes a Poll() in progress return soon. Thread-safe.
  virtual void Wakeup() = 0;

  // Blocking convenience: Start + Poll until this request finishes.
  StatusOr<HttpResponse> Send(HttpRequest request);
};

// The libcurl (multi interface) implementation.
std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpClientOptions& options);

}  // namespace kedge::net
