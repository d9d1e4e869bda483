#include "ingest/kvs/put_media_ack.h"

#include <nlohmann/json.hpp>

#include "ingest/kvs/kvs_store.h"

namespace kedge::ingest {
namespace {

const char* EventName(AckEvent event) {
  switch (event) {
    case AckEvent::kBuffering:
      return "BUFFERING";
    case AckEvent::kReceived:
      return "RECEIVED";
    case AckEvent::kPersisted:
      return "PERSISTED";
    case AckEvent::kError:
      return "ERROR";
    case AckEvent::kIdle:
      return "IDLE";
  }
  return "IDLE";
}

}  // namespace

// Written by hand to keep the service's key order (nlohmann's ordered_json needs 3.9).
std::string FormatAck(const Ack& ack) {
  std::string out = std::string("{\"EventType\":\"") + EventName(ack.event) + "\"";
  if (ack.timecode) out += ",\"FragmentTimecode\":" + std::to_string(*ack.timecode);
  if (ack.fragment_number) {
    out += ",\"FragmentNumber\":\"" + FormatFragmentNumber(*ack.fragment_number) + "\"";
  }
  if (ack.event == AckEvent::kError) {
    out += ",\"ErrorId\":" + std::to_string(ack.error_id) +
           ",\"ErrorCode\":" + nlohmann::json(ack.error_code).dump();
  }
  return out + "}\n";
}

}  // namespace kedge::ingest
