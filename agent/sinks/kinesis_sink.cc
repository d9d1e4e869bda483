#include "agent/sinks/kinesis_sink.h"

#include "platform/logging.h"

namespace kedge::agent {
namespace {

constexpr size_t kLeaseRecords = 1000;
constexpr size_t kLeaseBytes = 4 * 1048576;
// Keep this much in the producer: enough to fill aggregates and requests, no more.
constexpr size_t kMaxOutstandingRecords = 20000;

}  // namespace

StatusOr<std::unique_ptr<KinesisSink>> KinesisSink::Create(const SinkConfig& config,
                                                           kpl::KinesisApi& api,
                                                           kpl::Spool& spool, Clock& clock,
                                                           MetricsRegistry& metrics) {
  kpl::ProducerConfig pc;
  pc.stream = config.stream;
  pc.aggregation_enabled = config.aggregation;
  pc.record_max_buffered_time = config.max_buffered_time;
  pc.record_ttl = Millis(0);  // the spool backs the producer: retry until delivered
  pc.max_requests_in_flight = 16;
  auto producer = kpl::Producer::Create(api, clock, pc);
  if (!producer.ok()) return producer.status().WithContext("sink " + config.name);
  return std::unique_ptr<KinesisSink>(
      new KinesisSink(config, std::move(*producer), spool, clock, metrics));
}

KinesisSink::KinesisSink(const SinkConfig& config, std::unique_ptr<kpl::Producer> producer,
                         kpl::Spool& spool, Clock& clock, MetricsRegistry& metrics)
    : name_(config.name),
      spool_(spool),
      clock_(clock),
      metrics_(metrics),
      ledger_(config.name, spool, clock, metrics),
      aggregation_(config.aggregation),
      map_wait_until_(clock.Now() + std::chrono::seconds(5)),
      producer_(std::move(producer)) {}

void KinesisSink::Pump() {
  producer_->Poll();
  // Aggregation needs the shard map: wait for the first ListShards answer (milliseconds) rather
  // than send a backlog one record at a time. Without ListShards rights, go on unaggregated.
  if (aggregation_ && !producer_->shard_map().ready() &&
      producer_->shard_map().refreshes() <= 1 && clock_.Now() < map_wait_until_) {
    return;
  }
  while (ledger_.Leasable() && producer_->outstanding_records() < kMaxOutstandingRecords) {
    auto leased = spool_.Lease(name_, kLeaseRecords, ledger_.LeaseBytes(kLeaseBytes));
    if (!leased.ok()) {
      KEDGE_LOG_EVERY(kError, std::chrono::seconds(30)) << leased.status().ToString();
      break;
    }
    if (leased->empty()) break;
    for (kpl::SpooledRecord& r : *leased) {
      int64_t id = r.id;
      uint64_t bytes = r.data.size() + r.partition_key.size();
      ledger_.Leased(bytes);
      kpl::UserRecord record{std::move(r.partition_key), std::move(r.explicit_hash_key),
                             std::move(r.data)};
      Status put = producer_->Put(std::move(record), [this, id, bytes](const kpl::PutOutcome& o) {
        ledger_.Released(bytes);
        ledger_.Outcome(id, o);
      });
      if (!put.ok()) ledger_.Released(bytes);
      if (put.code() == StatusCode::kResourceExhausted) {
        ledger_.Later(id);
      } else if (!put.ok()) {
        ledger_.Refused(id, put.message());
      }
    }
  }
  ledger_.Settle();
  ExportMetrics();
}

void KinesisSink::ExportMetrics() {
  const kpl::ProducerMetrics& m = producer_->metrics();
  Labels labels{{"sink", name_}};
  auto add = [&](const char* name, const char* help, uint64_t now, uint64_t* before) {
    if (now > *before) metrics_.GetCounter(name, help, labels).Increment(now - *before);
    *before = now;
  };
  add("kedge_kpl_user_records_put_total", "User records the stream acknowledged",
      m.user_records_put, &exported_.user_records_put);
  add("kedge_kpl_kinesis_records_put_total", "Kinesis records (aggregates count once) put",
      m.kinesis_records_put, &exported_.kinesis_records_put);
  add("kedge_kpl_user_bytes_put_total", "Data bytes of user records put", m.user_bytes_put,
      &exported_.user_bytes_put);
  add("kedge_kpl_requests_total", "PutRecords requests", m.requests, &exported_.requests);
  add("kedge_kpl_request_failures_total", "PutRecords requests that failed whole",
      m.request_failures, &exported_.request_failures);
  add("kedge_kpl_retries_total", "User records sent again", m.retries, &exported_.retries);
  add("kedge_kpl_throttles_total", "Throttling answers", m.throttles, &exported_.throttles);
  add("kedge_kpl_buffering_time_ms_total", "Sum of user records' time from arrival to first send",
      m.buffering_time_ms, &exported_.buffering_time_ms);
  for (const auto& [code, count] : m.errors_by_code) {
    uint64_t& before = exported_.errors_by_code[code];
    if (count > before) {
      metrics_.GetCounter("kedge_kpl_errors_total", "Errors by AWS error code",
                          {{"sink", name_}, {"code", code}})
          .Increment(count - before);
    }
    before = count;
  }
  metrics_.GetGauge("kedge_kpl_outstanding_records", "User records in the producer", labels)
      .Set(static_cast<double>(producer_->outstanding_records()));
}

std::optional<SteadyTime> KinesisSink::NextWakeup() const {
  return ledger_.NextWakeup(producer_->NextWakeup());
}

bool KinesisSink::Drain() {
  producer_->Flush();
  producer_->Poll();
  ledger_.Settle();
  return producer_->outstanding_records() == 0;
}

}  // namespace kedge::agent
