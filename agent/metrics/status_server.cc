#include "agent/metrics/status_server.h"

#include "agent/metrics/status_page.h"

namespace kedge::agent {

StatusServer::StatusServer(const MetricsRegistry& metrics, std::function<std::string()> status_json,
                           std::function<Health()> health)
    : metrics_(metrics),
      status_json_(std::move(status_json)),
      health_(std::move(health)),
      server_([this](const HttpRequest& r) { return Handle(r); }) {}

HttpResponse StatusServer::Handle(const HttpRequest& request) const {
  if (request.path == "/" || request.path == "/index.html") {
    return {200, "text/html; charset=utf-8", kStatusPageHtml};
  }
  if (request.path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.RenderPrometheus()};
  }
  if (request.path == "/healthz") {
    Health h = health_ ? health_() : Health{};
    return {h.healthy ? 200 : 503, "text/plain; charset=utf-8", h.detail + "\n"};
  }
  if (request.path == "/status") {
    return {200, "application/json", status_json_ ? status_json_() : "{}"};
  }
  return {404, "text/plain; charset=utf-8", "not found; try /, /metrics, /healthz or /status\n"};
}

}  // namespace kedge::agent
