#pragma once
// The /status document (JSON) and the /healthz answer. /status shows what an operator needs:
// version, uptime, device, each source and sink with its type and target (stream, region,
// endpoint, path, broker, topics), each camera with its stream and its state at a glance (up,
// fragments buffered, acknowledged and dropped, upload rate, oldest buffered fragment), the
// metric values and the recent history. It is built from a
// whitelist of config fields, so secrets (MQTT passwords, user names, key files, anything in
// credentials) never appear, and the whole text also goes through Logger::Redact.

#include <functional>
#include <string>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/metrics/status_history.h"
#include "platform/clock.h"

namespace kedge::agent {

struct StatusInputs {
  std::string version;
  const AgentConfig* config = nullptr;  // may be null before the config is loaded
  const MetricsRegistry* metrics = nullptr;
  const StatusHistory* history = nullptr;
  WallTime started;
  WallTime now;
  std::string state = "running";  // starting, running, draining, degraded
};

std::string BuildStatusJson(const StatusInputs& inputs);

struct Health {
  bool healthy = true;
  std::string detail = "ok";
};

}  // namespace kedge::agent
