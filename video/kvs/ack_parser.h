#pragma once
// AckParser: reads the PutMedia acknowledgement stream — JSON objects, normally one per line,
//   {"EventType":"PERSISTED","FragmentTimecode":1615717079836,"FragmentNumber":"9134..."}
//   {"EventType":"ERROR","FragmentTimecode":...,"ErrorId":4006,"ErrorCode":"INVALID_MKV_DATA"}
//   {"EventType":"IDLE"}
// — as it arrives, in pieces split anywhere. Pure code: no I/O, no clock.
//
// Robustness (the bytes come from the network): text outside an object is skipped, an object
// larger than kMaxAckBytes is dropped and the parser resynchronises at the next line, nested
// values and unknown keys are ignored, and an object that is not an ACK (the service sometimes
// writes {"message":"The security token included in the request is expired"}) comes back as
// kNotAck with its message. It never fails and never crashes; counts say what it skipped.
// Single-threaded: one parser per PutMedia response.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kedge::video::kvs {

enum class AckType { kBuffering, kReceived, kPersisted, kError, kIdle, kNotAck };

struct Ack {
  AckType type = AckType::kNotAck;
  std::optional<uint64_t> timecode;  // FragmentTimecode (Cluster Timecode: epoch ms here)
  std::string fragment_number;       // decimal string, "" when absent
  int error_id = 0;                  // ErrorId, for kError
  std::string error_code;            // ErrorCode, for kError ("" when absent)
  std::string message;               // kNotAck: the object's "message"/"Message", or its text
};

std::string_view AckTypeName(AckType type);

class AckParser {
 public:
  static constexpr size_t kMaxAckBytes = 4096;

  struct Stats {
    uint64_t acks = 0;           // objects returned (kNotAck included)
    uint64_t skipped_bytes = 0;  // non-whitespace outside objects
    uint64_t oversized = 0;      // objects over kMaxAckBytes, dropped
    uint64_t invalid = 0;        // objects that were not valid JSON, dropped
  };

  // Consumes `data` and returns the ACKs completed by it, in order.
  std::vector<Ack> Feed(std::string_view data);

  const Stats& stats() const { return stats_; }

 private:
  void Consume(char c, std::vector<Ack>* out);
  void Complete(std::vector<Ack>* out);

  std::string object_;  // the object being read, from its '{'
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool skip_line_ = false;  // dropping an oversized object up to the next newline
  Stats stats_;
};

// Parses one complete JSON object as an ACK; nullopt when it is not valid JSON.
std::optional<Ack> ParseAckObject(std::string_view json);

}  // namespace kedge::video::kvs
