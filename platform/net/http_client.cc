#include "platform/net/http_client.h"

#include <optional>

#include "platform/net/http_text.h"

namespace kedge::net {
std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

StatusOr<HttpResponse> HttpClient::Send(HttpRequest request) {
  std::optional<StatusOr<HttpResponse>> result;
  Start(std::move(request),
        [&result](StatusOr<HttpResponse> response) { result.emplace(std::move(response)); });
  // Poll returns as soon as there is network activity, so the wait bound only limits how long
  // a stuck loop would go unnoticed; the request's own timeout ends it.
  while (!result.has_value()) Poll(std::chrono::milliseconds(1000));
  return std::move(*result);
}

}  // namespace kedge::net
