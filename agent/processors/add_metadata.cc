#include "agent/processors/add_metadata.h"

#include <nlohmann/json.hpp>

#include "agent/processors/json_object_writer.h"

namespace kedge::agent {

AddMetadataProcessor::AddMetadataProcessor(const ProcessorConfig& config,
                                           const ProcessorContext& context)
    : config_(config),
      clock_(context.clock),
      device_id_(context.device_id),
      hostname_(context.hostname) {}

bool AddMetadataProcessor::Process(SourceRecord* record) {
  JsonObjectWriter out;
  if (config_.add_timestamp) {
    WallTime t = record->timestamp_ms > 0
                     ? WallTime(std::chrono::duration_cast<WallTime::duration>(
                           Millis(record->timestamp_ms)))
                     : clock_.WallNow();
    out.String("ts", FormatIso8601Millis(t));
  }
  if (config_.add_device_id) out.String("device_id", device_id_);
  if (config_.add_hostname) out.String("hostname", hostname_);
  if (!config_.metadata.empty()) {
    JsonObjectWriter meta;
    for (const auto& [k, v] : config_.metadata) meta.String(k, v);
    out.Raw("metadata", meta.Finish());
  }
  // A JSON object or array is embedded as it is (re-serialized, so it is compact and valid).
  nlohmann::json data = nlohmann::json::parse(record->data, nullptr, /*allow_exceptions=*/false);
  if (!data.is_discarded() && (data.is_object() || data.is_array())) {
    out.Raw("data", data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    out.String("data", record->data);
  }
  record->data = out.Finish();
  return true;
}

}  // namespace kedge::agent
