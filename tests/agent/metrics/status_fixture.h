#pragma once
// A StatusServer on 127.0.0.1:0 serving a fixed agent picture, for the status tests.

#include <functional>
#include <memory>
#include <string>

#include "agent/metrics/status_server.h"
#include "platform/clock.h"

namespace kedge::agent {

struct StatusPicture {
  FakeClock clock;
  MetricsRegistry metrics;
  AgentConfig config;
  StatusHistory history;
  Health health;
  std::chrono::seconds uptime{90};
  std::string version = "0.1.0";

  // Device pi-17 with one kinesis sink "logs" (stream edge-logs in eu-west-1).
  void AddDeviceAndSink() {
    config.device_id = "pi-17";
    SinkConfig sink;
    sink.name = "logs";
    sink.stream = "edge-logs";
    sink.region = "eu-west-1";
    config.sinks.push_back(sink);
  }

  // A server whose /status shows this picture (read at each request) and whose /healthz
  // answers `health`. Not started.
  std::unique_ptr<StatusServer> MakeServer() {
    return std::make_unique<StatusServer>(
        metrics,
        [this] {
          StatusInputs in;
          in.version = version;
          in.config = &config;
          in.metrics = &metrics;
          in.history = &history;
          in.started = clock.WallNow();
          in.now = clock.WallNow() + uptime;
          return BuildStatusJson(in);
        },
        [this] { return health; });
  }
};

}  // namespace kedge::agent
