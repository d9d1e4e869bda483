#include "agent/spool_sink.h"

#include "platform/logging.h"

namespace kedge::agent {

StatusOr<std::unique_ptr<SpoolSink>> SpoolSink::Create(const SourceConfig& source,
                                                       const std::string& saved,
                                                       kpl::Spool& spool,
                                                       MetricsRegistry& metrics, uint64_t seed) {
  auto checkpoints = CheckpointMap::Parse(saved);
  if (!checkpoints.ok()) {
    // A position we cannot read: start over rather than refuse to run; say so loudly.
    KEDGE_LOG(kError) << "source " << source.name << ": saved position unreadable ("
                      << checkpoints.status().message() << "); starting from its configured "
                      << "start position";
    checkpoints = CheckpointMap();
  }
  return std::unique_ptr<SpoolSink>(
      new SpoolSink(source, std::move(*checkpoints), spool, metrics, seed));
}

SpoolSink::SpoolSink(const SourceConfig& source, CheckpointMap saved, kpl::Spool& spool,
                     MetricsRegistry& metrics, uint64_t seed)
    : source_(source.name),
      sink_(source.sink),
      spool_(spool),
      keyer_(PartitionKeyer::ForSource(source, seed)),
      checkpoints_(std::move(saved)),
      spooled_(metrics.GetCounter("kedge_source_records_spooled_total",
                                  "Records a source put in the spool", {{"source", source.name}})),
      unkeyed_(metrics.GetCounter("kedge_source_records_unkeyed_total",
                                  "Records left out because no partition key could be derived",
                                  {{"source", source.name}})) {}

Status SpoolSink::Accept(RecordBatch batch) {
  std::vector<kpl::SpoolRecord> records;
  records.reserve(batch.records.size());
  for (SourceRecord& r : batch.records) {
    std::string key = std::move(r.partition_key);
    if (key.empty()) {
      auto derived = keyer_.KeyFor(r);
      if (!derived.ok()) {
        unkeyed_.Increment();
        KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
            << "source " << source_ << ": record left out: " << derived.status().message();
        continue;
      }
      key = std::move(*derived);
    }
    records.push_back(kpl::SpoolRecord{sink_, std::move(key), "", std::move(r.data),
                                       r.timestamp_ms});
  }
  CheckpointMap next = checkpoints_;
  next.Apply(batch.checkpoints);
  size_t n = records.size();
  auto appended = spool_.Append(std::move(records), {{source_, next.Serialize()}});
  full_ = appended.status().code() == StatusCode::kResourceExhausted;
  if (!appended.ok()) return appended.status();
  checkpoints_ = std::move(next);
  spooled_.Increment(n);
  return Status::Ok();
}

}  // namespace kedge::agent
