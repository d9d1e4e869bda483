#pragma once
// DeadLetterBox: where a source sets aside messages it cannot turn into records (an MQTT
// payload that is not JSON when partition_key_field needs a field, or lacks the field), so they
// can be inspected instead of silently vanishing or blocking the messages behind them.
// It keeps the newest `keep` entries in memory (for /status and tests) and, when given a path,
// appends every entry as one JSON line to that file until it reaches `max_file_bytes`; past
// that, entries are only counted (dropped_from_file). Writing is best effort: a file error is
// logged (rate-limited) and counted, never returned — a dead letter must never stop a source.
// Single-threaded (the input thread).
//
// A line: {"ts":1767225600123,"topic":"sensors/a","reason":"...","payload":...}
// (payload as in the MQTT envelope: verbatim JSON, a JSON string, or "payload_base64"). A
// payload over kMaxKeptPayload bytes is cut there and the line gets "payload_bytes": <full size>.

#include <cstdint>
#include <deque>
#include <fstream>
#include <string>

namespace kedge::agent {

class DeadLetterBox {
 public:
  static constexpr size_t kMaxKeptPayload = 64 * 1024;

  struct Entry {
    int64_t ts_ms = 0;
    std::string origin;
    std::string reason;
    std::string payload;      // at most kMaxKeptPayload bytes once added
    uint64_t payload_bytes = 0;  // the original size (set by Add)
  };

  // `path` empty: memory only.
  DeadLetterBox(std::string path, size_t keep = 100, uint64_t max_file_bytes = 16ull << 20);

  void Add(Entry entry);

  uint64_t total() const { return total_; }
  uint64_t dropped_from_file() const { return dropped_from_file_; }
  const std::deque<Entry>& recent() const { return recent_; }
  const std::string& path() const { return path_; }

  // The JSON line for `entry`, without the newline.
  static std::string ToJsonLine(const Entry& entry);

 private:
  void Write(const Entry& entry);

  std::string path_;
  size_t keep_;
  uint64_t max_file_bytes_;
  uint64_t file_bytes_ = 0;
  bool file_checked_ = false;
  std::ofstream file_;
  std::deque<Entry> recent_;
  uint64_t total_ = 0;
  uint64_t dropped_from_file_ = 0;
};

}  // namespace kedge::agent
