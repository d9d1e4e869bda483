#pragma once
// Router: maps a request to its handler by method and path, by X-Amz-Target (the AWS JSON 1.1
// protocol: POST / with "X-Amz-Target: Kinesis_20131202.PutRecords"), or to a streamed handler.
// A guard (SigV4 verification) sees every request before its handler.
//
// Threading: configure before the server starts; afterwards Dispatch/OpenStream are called
// concurrently from the server's threads (handlers must be thread-safe).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ingest/server/http_types.h"

namespace kedge::ingest {

class Router {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  using StreamOpener = std::function<StreamStart(const HttpRequest& head, ResponseStream& out)>;
  // Returns a rejection, or nullopt to let the request through. `streamed` says the body is not
  // in the request (it will be streamed to the handler).
  using Guard = std::function<std::optional<HttpResponse>(const HttpRequest&, bool streamed)>;

  void Handle(std::string method, std::string path, Handler handler);
  // Any path that starts with `prefix`.
  void HandlePrefix(std::string method, std::string prefix, Handler handler);
  // POST with an X-Amz-Target header starting with `target_prefix` ("Kinesis_20131202.").
  void HandleTarget(std::string target_prefix, Handler handler);
  void HandleStream(std::string method, std::string path, StreamOpener opener);
  // A whole (buffered) request whose answer is streamed for as long as the handler wants
  // (GetMedia's live tail). The opener sees the body; the guard checks it like any request.
  void HandleResponseStream(std::string method, std::string path, StreamOpener opener);
  void SetGuard(Guard guard) { guard_ = std::move(guard); }

  // The request body is streamed to a handler (PutMedia).
  bool IsStreamed(const HttpRequest& head) const;
  // The request is read whole, then OpenStream answers it with a response stream.
  bool StreamsResponse(const HttpRequest& request) const;
  // Guard, then the handler; 404 / 400 UnknownOperation when nothing matches; 400 when a
  // handler finds a JSON member of the wrong type.
  HttpResponse Dispatch(const HttpRequest& request) const;
  StreamStart OpenStream(const HttpRequest& head, ResponseStream& out) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
  };
  struct StreamRoute {
    std::string method;
    std::string path;
    StreamOpener opener;
    bool whole_request = false;  // HandleResponseStream
  };
  const StreamRoute* FindStream(const HttpRequest& head) const;
  HttpResponse DispatchUnchecked(const HttpRequest& request) const;

  std::vector<Route> routes_;
  std::vector<std::pair<std::string, Handler>> targets_;
  std::vector<StreamRoute> streams_;
  Guard guard_;
};

}  // namespace kedge::ingest
