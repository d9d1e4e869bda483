#pragma once
// add_metadata: wraps a record as {"ts":..., "device_id":..., "hostname":..., "metadata":{...},
// "data":...} (each part as configured). "data" is the record itself when it is a JSON object
// or array (e.g. after csv_to_json), else the record as a JSON string. ts is the record's read
// time in UTC ISO 8601 with milliseconds.

#include <map>
#include <string>

#include "agent/processors/processor.h"

namespace kedge::agent {

class AddMetadataProcessor final : public Processor {
 public:
  AddMetadataProcessor(const ProcessorConfig& config, const ProcessorContext& context);
  bool Process(SourceRecord* record) override;

 private:
  ProcessorConfig config_;
  Clock& clock_;
  std::string device_id_;
  std::string hostname_;
};

}  // namespace kedge::agent
