#pragma once
// StatusServer: the routes of the agent's local HTTP server (http.listen) on an HttpGetServer:
//   /         the status page (HTML, no external assets)
//   /metrics  Prometheus text format from the MetricsRegistry
//   /healthz  200 "ok" or 503 with the reason, from the health callback
//   /status   JSON (status_report.h), from the status callback
// Callbacks run on the server thread and must be thread-safe.

#include <functional>
#include <memory>
#include <string>

#include "agent/metrics/http_get_server.h"
#include "agent/metrics/registry.h"
#include "agent/metrics/status_report.h"

namespace kedge::agent {

class StatusServer {
 public:
  StatusServer(const MetricsRegistry& metrics, std::function<std::string()> status_json,
               std::function<Health()> health);
  Status Start(const std::string& listen) { return server_.Start(listen); }
  void Stop() { server_.Stop(); }
  int port() const { return server_.port(); }

  // The routing, apart from sockets (for tests).
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  const MetricsRegistry& metrics_;
  std::function<std::string()> status_json_;
  std::function<Health()> health_;
  HttpGetServer server_;
};

}  // namespace kedge::agent
