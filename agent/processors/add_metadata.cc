#include "agent/processors/add_metadata.h"

#include <nlohmann/json.hpp>

namespace kedge::agent {

AddMetadataProcessor::AddMetadataProcessor(const ProcessorConfig& config,
                                           const ProcessorContext& context)
    : config_(config),
      clock_(context.clock),
      device_id_(context.device_id),
      hostname_(context.hostname) {}

bool AddMetadataProcessor::Process(SourceRecord* record) {
  using Json = nlohmann::ordered_json;
  Json out = Json::object();
  if (config_.add_timestamp) {
    WallTime t = record->timestamp_ms > 0
                     ? WallTime(std::chrono::duration_cast<WallTime::duration>(
                           Millis(record->timestamp_ms)))
                     : clock_.WallNow();
    out["ts"] = FormatIso8601Millis(t);
  }
  if (config_.add_device_id) out["device_id"] = device_id_;
  if (config_.add_hostname) out["hostname"] = hostname_;
  if (!config_.metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : config_.metadata) meta[k] = v;
    out["metadata"] = std::move(meta);
  }
  Json data = Json::parse(record->data, nullptr, /*allow_exceptions=*/false);
  if (!data.is_discarded() && (data.is_object() || data.is_array())) {
    out["data"] = std::move(data);
  } else {
    out["data"] = record->data;
  }
  record->data = out.dump(-1, ' ', false, Json::error_handler_t::replace);
  return true;
}

}  // namespace kedge::agent
