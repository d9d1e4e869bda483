#include "agent/sources/journald/journald_source.h"

#include <nlohmann/json.hpp>

#include "platform/logging.h"

namespace kedge::agent {
namespace {

using nlohmann::json;

// Journal fields and the record keys they become; numbers stay numbers.
struct FieldMap {
  const char* field;
  const char* key;
  bool number;
};
constexpr FieldMap kFields[] = {
    {"MESSAGE", "message", false},
    {"PRIORITY", "priority", true},
    {"_SYSTEMD_UNIT", "unit", false},
    {"SYSLOG_IDENTIFIER", "identifier", false},
    {"_PID", "pid", true},
    {"_HOSTNAME", "hostname", false},
    {"_BOOT_ID", "boot_id", false},
};

}  // namespace

struct JournaldSource::Counters {
  Counters(MetricsRegistry& m, const std::string& name)
      : records(m.GetCounter("kedge_journald_records_total", "journal entries handed to the sink",
                             {{"source", name}})),
        errors(m.GetCounter("kedge_journald_errors_total", "journal read errors",
                            {{"source", name}})) {}
  Counter& records;
  Counter& errors;
};

JournaldSource::JournaldSource(const SourceConfig& config, std::unique_ptr<JournalReader> reader,
                               RecordSink& sink, MetricsRegistry& metrics)
    : config_(config),
      reader_(std::move(reader)),
      sink_(sink),
      counters_(std::make_unique<Counters>(metrics, config.name)) {}

JournaldSource::~JournaldSource() = default;

SourceRecord JournaldSource::ToRecord(const JournalEntry& entry) {
  json j = {{"ts", static_cast<int64_t>(entry.realtime_us / 1000)}};
  for (const FieldMap& f : kFields) {
    auto it = entry.fields.find(f.field);
    if (it == entry.fields.end()) continue;
    if (f.number) {
      char* end = nullptr;
      long long v = std::strtoll(it->second.c_str(), &end, 10);
      if (!it->second.empty() && *end == '\0') {
        j[f.key] = v;
        continue;
      }
    }
    j[f.key] = it->second;
  }
  SourceRecord r;
  r.data = j.dump(-1, ' ', false, json::error_handler_t::replace);
  r.timestamp_ms = static_cast<int64_t>(entry.realtime_us / 1000);
  auto unit = entry.fields.find("_SYSTEMD_UNIT");
  r.origin = unit != entry.fields.end() ? unit->second : "journal";
  return r;
}

Status JournaldSource::SeekStart() {
  if (!accepted_.empty()) {
    Status s = reader_->SeekAfterCursor(accepted_);
    if (s.ok()) return s;
    if (s.code() != StatusCode::kNotFound) return s;
    KEDGE_LOG(kWarn) << "journald source '" << Name() << "': " << s.message()
                     << "; going on from the next entry that exists";
    return Status::Ok();  // SeekAfterCursor left us before the first entry after it
  }
  return config_.start_position == StartPosition::kBeginning ? reader_->SeekHead()
                                                             : reader_->SeekTail();
}

Status JournaldSource::Start(const std::vector<Checkpoint>& saved) {
  for (const std::string& unit : config_.journald.units) {
    KEDGE_RETURN_IF_ERROR(reader_->AddMatch("_SYSTEMD_UNIT=" + unit));
  }
  for (const std::string& match : config_.journald.matches) {
    KEDGE_RETURN_IF_ERROR(reader_->AddMatch(match));
  }
  for (const Checkpoint& c : saved) {
    if (c.key == kCursorKey) accepted_ = c.blob;
  }
  started_ = true;
  Status s = SeekStart();
  if (!s.ok()) {
    failed_ = true;
    counters_->errors.Increment();
    KEDGE_LOG(kWarn) << "journald source '" << Name() << "': " << s.ToString();
  }
  return Status::Ok();
}

PollResult JournaldSource::Poll() {
  PollResult result;
  if (!started_ || paused_) return result;
  if (failed_) {
    if (!SeekStart().ok()) return result;
    failed_ = false;
  }
  RecordBatch batch;
  batch.source = config_.name;
  std::string last;
  JournalEntry entry;
  while (batch.records.size() < kMaxEntriesPerPoll) {
    StatusOr<bool> got = reader_->Next(&entry);
    if (!got.ok()) {
      counters_->errors.Increment();
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
          << "journald source '" << Name() << "': " << got.status().ToString();
      failed_ = true;
      break;
    }
    if (!*got) break;
    batch.records.push_back(ToRecord(entry));
    last = entry.cursor;
  }
  if (batch.records.empty()) return result;
  size_t n = batch.records.size();
  batch.checkpoints.push_back({kCursorKey, last});
  if (!sink_.Accept(std::move(batch)).ok()) {
    failed_ = true;  // rewind to the last accepted cursor on the next Poll
    return result;
  }
  accepted_ = last;
  counters_->records.Increment(n);
  result.records = n;
  result.more = n == kMaxEntriesPerPoll;
  return result;
}

}  // namespace kedge::agent
