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

std::string FormatAck(const Ack& ack) {
  nlohmann::ordered_json out;
  out["EventType"] = EventName(ack.event);
  if (ack.timecode) out["FragmentTimecode"] = *ack.timecode;
  if (ack.fragment_number) out["FragmentNumber"] = FormatFragmentNumber(*ack.fragment_number);
  if (ack.event == AckEvent::kError) {
    out["ErrorId"] = ack.error_id;
    out["ErrorCode"] = ack.error_code;
  }
  return out.dump() + "\n";
}

}  // namespace kedge::ingest
