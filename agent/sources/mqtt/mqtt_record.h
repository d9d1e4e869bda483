#pragma once
// Turning one received MQTT message into a SourceRecord, without any MQTT library: the
// record's data (`format: raw` — the payload bytes as they are; `format: envelope` — a JSON
// object with the topic, the receive time and the payload) and its partition key (`topic`,
// a fixed key, or a top-level field of a JSON payload). A message that cannot be keyed (the
// payload is not a JSON object, lacks the field, or the key is not 1..256 characters) comes
// back as an error so the caller can set it aside (DeadLetterBox). Pure; used on the input
// thread.
//
// The envelope (docs/mqtt.md):
//   {"topic":"sensors/a","ts":1767225600123,"payload":<the payload>}
// where <the payload> is the payload verbatim when it is valid JSON (any JSON value), a JSON
// string when it is other valid UTF-8 text, and otherwise the key is "payload_base64" with the
// bytes in Base64 — so every record is valid JSON and no payload byte is lost.

#include <cstdint>
#include <string>

#include "agent/config/config.h"
#include "agent/processors/partition_key.h"
#include "agent/sources/source.h"
#include "platform/clock.h"

namespace kedge::agent {

// One message as the MQTT callback hands it over.
struct MqttMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  int64_t received_ms = 0;  // wall clock at arrival, Unix milliseconds
  SteadyTime received{};    // monotonic arrival time, for the hand-over latency
};

class MqttRecordBuilder {
 public:
  // `mode` and `key_or_field` as in SourceConfig; random and deterministic keys are left to the
  // sink's PartitionKeyer (SourceRecord::partition_key stays empty). A record larger than
  // `max_record_bytes` (data, envelope included) cannot go to Kinesis or Firehose and is refused.
  MqttRecordBuilder(bool envelope, PartitionKeyMode mode, std::string key_or_field,
                    uint64_t max_record_bytes);

  // Moves the message's topic and payload into a record. On error the message is untouched
  // and the Status says why (NotFound or InvalidArgument: no key; OutOfRange: too large).
  StatusOr<SourceRecord> Build(MqttMessage& message);

 private:
  bool envelope_;
  PartitionKeyMode mode_;
  PartitionKeyer keyer_;
  uint64_t max_record_bytes_;
};

// Appends `,"payload":...` or `,"payload_base64":"..."` (see above) to *out.
void AppendPayloadMember(const std::string& payload, std::string* out);
// Appends `s` as a JSON string (invalid UTF-8 replaced by U+FFFD).
void AppendJsonString(const std::string& s, std::string* out);

}  // namespace kedge::agent
