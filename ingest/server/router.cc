#include "ingest/server/router.h"

#include "ingest/server/aws_errors.h"

#include <nlohmann/json.hpp>

namespace kedge::ingest {

void Router::Handle(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), false, std::move(handler)});
}

void Router::HandlePrefix(std::string method, std::string prefix, Handler handler) {
  routes_.push_back({std::move(method), std::move(prefix), true, std::move(handler)});
}

void Router::HandleTarget(std::string target_prefix, Handler handler) {
  targets_.emplace_back(std::move(target_prefix), std::move(handler));
}

void Router::HandleStream(std::string method, std::string path, StreamOpener opener) {
  streams_.push_back({std::move(method), std::move(path), std::move(opener), false});
}

void Router::HandleResponseStream(std::string method, std::string path, StreamOpener opener) {
  streams_.push_back({std::move(method), std::move(path), std::move(opener), true});
}

const Router::StreamRoute* Router::FindStream(const HttpRequest& head) const {
  for (const StreamRoute& route : streams_) {
    if (route.method == head.method && route.path == head.path) return &route;
  }
  return nullptr;
}

bool Router::IsStreamed(const HttpRequest& head) const {
  const StreamRoute* route = FindStream(head);
  return route != nullptr && !route->whole_request;
}

bool Router::StreamsResponse(const HttpRequest& request) const {
  const StreamRoute* route = FindStream(request);
  return route != nullptr && route->whole_request;
}

HttpResponse Router::Dispatch(const HttpRequest& request) const {
  // Handlers read request JSON with nlohmann, which throws on a member of the wrong type
  // ({"Limit": "ten"}); that is the client's mistake, answered here for every API at once.
  try {
    return DispatchUnchecked(request);
  } catch (const nlohmann::json::exception& e) {
    return AwsError(ErrorStyleOf(request), 400,
                    ErrorStyleOf(request) == ErrorStyle::kRest ? "InvalidArgumentException"
                                                               : "SerializationException",
                    std::string("a request member has the wrong type: ") + e.what());
  } catch (const std::exception& e) {
    return AwsError(ErrorStyleOf(request), 500, "InternalFailure", e.what());
  }
}

HttpResponse Router::DispatchUnchecked(const HttpRequest& request) const {
  if (guard_) {
    if (std::optional<HttpResponse> rejection = guard_(request, false)) return *rejection;
  }
  std::string_view target = request.Header("X-Amz-Target");
  if (!target.empty()) {
    for (const auto& [prefix, handler] : targets_) {
      if (request.method == "POST" && target.substr(0, prefix.size()) == prefix) {
        return handler(request);
      }
    }
    return AwsError(ErrorStyleOf(request), 400, "UnknownOperationException",
                    "unknown operation " + std::string(target));
  }
  for (const Route& route : routes_) {
    if (route.method != request.method) continue;
    bool match = route.prefix ? request.path.compare(0, route.path.size(), route.path) == 0
                              : request.path == route.path;
    if (match) return route.handler(request);
  }
  return AwsError(ErrorStyle::kRest, 404, "NotFoundException",
                  "no API at " + request.method + " " + request.path);
}

StreamStart Router::OpenStream(const HttpRequest& head, ResponseStream& out) const {
  StreamStart start;
  if (guard_) {
    bool streamed = !StreamsResponse(head);
    if (std::optional<HttpResponse> rejection = guard_(head, streamed)) {
      start.rejection = std::move(rejection);
      return start;
    }
  }
  const StreamRoute* route = FindStream(head);
  if (route == nullptr) {
    start.rejection = AwsError(ErrorStyle::kRest, 404, "NotFoundException", "no such API");
    return start;
  }
  try {
    return route->opener(head, out);
  } catch (const nlohmann::json::exception& e) {
    start.rejection = AwsError(ErrorStyle::kRest, 400, "InvalidArgumentException",
                               std::string("a request member has the wrong type: ") + e.what());
    return start;
  }
}

}  // namespace kedge::ingest
