#include "agent/sources/telemetry_sources.h"

#include "agent/sources/journald/journald_source.h"
#include "agent/sources/metrics/system_metrics_source.h"
#ifdef KEDGE_WITH_MQTT
#include "agent/sources/mqtt/paho_mqtt_source.h"
#endif

namespace kedge::agent {

StatusOr<std::unique_ptr<Source>> MakeTelemetrySource(const SourceConfig& config,
                                                      const TelemetrySourceDeps& deps) {
  switch (config.type) {
    case SourceType::kMetrics:
      return std::unique_ptr<Source>(new SystemMetricsSource(
          config, {deps.device_id, "/"}, deps.env, deps.clock, deps.sink, deps.metrics));
    case SourceType::kJournald: {
      KEDGE_ASSIGN_OR_RETURN(std::unique_ptr<JournalReader> reader,
                             OpenSystemJournal(config.journald.directory));
      return std::unique_ptr<Source>(
          new JournaldSource(config, std::move(reader), deps.sink, deps.metrics));
    }
    case SourceType::kMqtt: {
#ifdef KEDGE_WITH_MQTT
      MqttSourceOptions options;
      options.device_id = deps.device_id;
      options.wakeup = deps.wakeup;
      if (!deps.state_dir.empty()) {
        std::string dir = deps.state_dir + "/dead-letters";
        if (deps.env.CreateDirs(dir).ok()) options.dead_letter_path = dir + "/" + config.name + ".jsonl";
      }
      return std::unique_ptr<Source>(
          new PahoMqttSource(config, std::move(options), deps.clock, deps.sink, deps.metrics));
#else
      return UnimplementedError("source '" + config.name +
                                "': this kedge was built without MQTT (KEDGE_WITH_MQTT=OFF)");
#endif
    }
    default:
      return InvalidArgumentError("source '" + config.name + "' is not a telemetry source");
  }
}

void MqttShutdown(Source& source) {
#ifdef KEDGE_WITH_MQTT
  if (auto* mqtt = dynamic_cast<PahoMqttSource*>(&source)) mqtt->Shutdown();
#else
  (void)source;
#endif
}

}  // namespace kedge::agent
