#pragma once
// The PutMedia acknowledgement events kedge-ingest streams back, one JSON object per line:
//   {"EventType":"BUFFERING","FragmentTimecode":1615717079836,"FragmentNumber":"9134..."}
//   {"EventType":"ERROR","FragmentTimecode":...,"FragmentNumber":"...","ErrorId":4006,
//    "ErrorCode":"INVALID_MKV_DATA"}
//   {"EventType":"IDLE"}
// Pure functions.

#include <cstdint>
#include <optional>
#include <string>

namespace kedge::ingest {

enum class AckEvent { kBuffering, kReceived, kPersisted, kError, kIdle };

struct Ack {
  AckEvent event = AckEvent::kIdle;
  std::optional<uint64_t> timecode;
  std::optional<int64_t> fragment_number;
  int error_id = 0;
  std::string error_code;
};

// The ACK as one line (JSON + "\n").
std::string FormatAck(const Ack& ack);

}  // namespace kedge::ingest
