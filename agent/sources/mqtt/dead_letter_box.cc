#include "agent/sources/mqtt/dead_letter_box.h"

#include <sys/stat.h>

#include "agent/sources/mqtt/mqtt_record.h"
#include "platform/logging.h"

namespace kedge::agent {

DeadLetterBox::DeadLetterBox(std::string path, size_t keep, uint64_t max_file_bytes)
    : path_(std::move(path)), keep_(keep), max_file_bytes_(max_file_bytes) {}

std::string DeadLetterBox::ToJsonLine(const Entry& entry) {
  std::string line = "{\"ts\":" + std::to_string(entry.ts_ms) + ",\"topic\":";
  AppendJsonString(entry.origin, &line);
  line += ",\"reason\":";
  AppendJsonString(entry.reason, &line);
  AppendPayloadMember(entry.payload, &line);
  if (entry.payload_bytes > entry.payload.size()) {
    line += ",\"payload_bytes\":" + std::to_string(entry.payload_bytes);
  }
  line += '}';
  return line;
}

void DeadLetterBox::Add(Entry entry) {
  ++total_;
  entry.payload_bytes = entry.payload.size();
  if (entry.payload.size() > kMaxKeptPayload) entry.payload.resize(kMaxKeptPayload);
  if (!path_.empty()) Write(entry);
  if (keep_ == 0) return;
  if (recent_.size() == keep_) recent_.pop_front();
  recent_.push_back(std::move(entry));
}

void DeadLetterBox::Write(const Entry& entry) {
  if (!file_checked_) {
    file_checked_ = true;
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) file_bytes_ = static_cast<uint64_t>(st.st_size);
    file_.open(path_, std::ios::app | std::ios::binary);
    if (!file_) {
      KEDGE_LOG(kWarn) << "cannot open the dead-letter file " << path_
                          << "; dead letters are only counted and kept in memory";
    }
  }
  std::string line = ToJsonLine(entry);
  line += '\n';
  if (!file_ || file_bytes_ + line.size() > max_file_bytes_) {
    ++dropped_from_file_;
    return;
  }
  file_.write(line.data(), static_cast<std::streamsize>(line.size()));
  file_.flush();
  if (!file_) {
    ++dropped_from_file_;
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60)) << "cannot write the dead-letter file " << path_;
    return;
  }
  file_bytes_ += line.size();
}

}  // namespace kedge::agent
