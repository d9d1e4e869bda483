#include "agent/sources/mqtt/mqtt_record.h"

#include <nlohmann/json.hpp>

#include "agent/sources/utf8.h"
#include "platform/crypto.h"

namespace kedge::agent {

MqttRecordBuilder::MqttRecordBuilder(bool envelope, PartitionKeyMode mode,
                                     std::string key_or_field, uint64_t max_record_bytes)
    : envelope_(envelope),
      mode_(mode),
      keyer_(mode, std::move(key_or_field), /*seed=*/0),
      max_record_bytes_(max_record_bytes) {}

StatusOr<SourceRecord> MqttRecordBuilder::Build(MqttMessage& message) {
  // The envelope adds the topic and ~40 bytes; checked before anything is moved.
  uint64_t size = message.payload.size() + (envelope_ ? message.topic.size() + 48 : 0);
  if (size > max_record_bytes_) {
    return OutOfRangeError("the record would be " + std::to_string(size) +
                           " bytes, more than max_line_bytes (" +
                           std::to_string(max_record_bytes_) + ")");
  }
  SourceRecord record;
  record.timestamp_ms = message.received_ms;
  record.data = std::move(message.payload);
  record.origin = std::move(message.topic);
  if (mode_ == PartitionKeyMode::kField || mode_ == PartitionKeyMode::kTopic ||
      mode_ == PartitionKeyMode::kFixed) {
    StatusOr<std::string> key = keyer_.KeyFor(record);
    if (!key.ok()) {
      message.payload = std::move(record.data);  // give it back for the dead letters
      message.topic = std::move(record.origin);
      return key.status();
    }
    record.partition_key = std::move(*key);
  }
  if (envelope_) {
    std::string out;
    out.reserve(record.data.size() + record.origin.size() + 48);
    out += "{\"topic\":";
    AppendJsonString(record.origin, &out);
    out += ",\"ts\":";
    out += std::to_string(record.timestamp_ms);
    AppendPayloadMember(record.data, &out);
    out += '}';
    record.data = std::move(out);
  }
  return record;
}

void AppendJsonString(const std::string& s, std::string* out) {
  *out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendPayloadMember(const std::string& payload, std::string* out) {
  // accept() validates (UTF-8 inside strings included) without building a document, and the
  // payload is copied verbatim so key order and number spelling stay the publisher's.
  if (!payload.empty() && nlohmann::json::accept(payload)) {
    *out += ",\"payload\":";
    *out += payload;
  } else if (IsValidUtf8(payload)) {
    *out += ",\"payload\":";
    AppendJsonString(payload, out);
  } else {
    *out += ",\"payload_base64\":\"";
    *out += Base64Encode(payload);
    *out += '"';
  }
}

}  // namespace kedge::agent
