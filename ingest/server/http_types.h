#pragma once
// The request and response types that kedge-ingest's handlers see, free of Boost.Beast, and the
// interfaces of a streamed request (PutMedia: the body arrives and the answer leaves at once).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "platform/net/http_client.h"
#include "platform/status.h"
#include "platform/text.h"  // AsciiLower, EqualsIgnoreCase for header names

namespace kedge::ingest {

struct HttpRequest {
  std::string method;  // "POST"
  std::string path;    // raw path as on the request line, without the query
  std::string query;   // raw, without '?'
  net::Headers headers;
  std::string body;  // empty for streamed requests
  std::string remote_address;

  // The first header named `name` (any case), or "".
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  net::Headers headers;
  std::string body;

  HttpResponse& SetHeader(std::string name, std::string value);
  static HttpResponse Make(int status, std::string content_type, std::string body);
};

// The response side of a streamed request. Calls come from the connection's strand (the handler's
// callbacks run there); the object stays valid as long as the handler exists.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues one piece of the chunked response body.
  virtual void Write(std::string data) = 0;
  // Ends the response after what is queued; the connection then closes (any body still being
  // uploaded is dropped). Further writes are ignored.
  virtual void Finish() = 0;
  // Bytes queued and not yet written to the socket (a slow reader's backlog).
  virtual size_t queued_bytes() const = 0;
};

// Receives the body of one streamed request. All calls come from the connection's strand, one
// at a time; OnEnd is the last call.
//
// A response stream (Router::HandleResponseStream, GetMedia's live tail) gets no OnBody: its
// request arrived whole. It gets OnStart once the 200's headers are queued, then OnTick until it
// Finish()es or the client goes away (the connection closes; no further calls).
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  // The response may be written from here on (never from the opener).
  virtual void OnStart() {}
  virtual void OnBody(std::string_view data) {}
  // Called about once per tick interval while the request is open (for keep-alive messages and
  // idle timeouts; the handler reads its own Clock).
  virtual void OnTick() {}
  // The body ended: OK when complete, an error when the peer went away or the upload broke.
  virtual void OnEnd(const Status& status) {}
};

// What opening a streamed request gives: a handler and the 200 response's headers, or a whole
// response (an error) sent instead.
struct StreamStart {
  std::unique_ptr<StreamHandler> handler;
  net::Headers headers;
  std::optional<HttpResponse> rejection;
};

// The value of `key` in a raw query string, %-decoded with '+' as a space ("" when absent).
std::string QueryParam(const std::string& query, const std::string& key);

}  // namespace kedge::ingest
