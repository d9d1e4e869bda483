#pragma once
// MakeTelemetrySource: builds the mqtt, metrics and journald sources from their config, so the
// daemon needs no #ifdef for the optional libraries (Paho MQTT C++, libsystemd). The MQTT
// source's dead letters go to <state_dir>/dead-letters/<source name>.jsonl. Called on the
// thread that builds the pipeline; the returned source then belongs to the input thread.

#include <functional>
#include <memory>
#include <string>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/source.h"
#include "platform/clock.h"
#include "platform/env.h"

namespace kedge::agent {

struct TelemetrySourceDeps {
  std::string device_id;
  std::string state_dir;
  Env& env;
  Clock& clock;
  RecordSink& sink;
  MetricsRegistry& metrics;
  // MQTT: called on Paho's thread when a message arrives to an empty queue (may be empty).
  std::function<void()> wakeup;
};

// The source for `config` (type mqtt, metrics or journald). Unimplemented, with a message that
// says so, for a type this kedge was built without; Unavailable when the journal cannot be
// opened; InvalidArgument for another source type. All dependencies must outlive the source.
// Call MqttShutdown on the result before the sink goes away, to hand over what was read.
StatusOr<std::unique_ptr<Source>> MakeTelemetrySource(const SourceConfig& config,
                                                      const TelemetrySourceDeps& deps);

// For an MQTT source made above: disconnect and hand every message already read to the sink
// (docs/mqtt.md, graceful stop). Does nothing for other sources.
void MqttShutdown(Source& source);

}  // namespace kedge::agent
