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
      ledger_(config.name, spool, clock, metrics),
      producer_(std::move(producer)) {}

void KinesisSink::Pump() {
  producer_->Poll();
  while (!ledger_.paused() && producer_->outstanding_records() < kMaxOutstandingRecords) {
    auto leased = spool_.Lease(name_, kLeaseRecords, kLeaseBytes);
    if (!leased.ok()) {
      KEDGE_LOG_EVERY(kError, std::chrono::seconds(30)) << leased.status().ToString();
      break;
    }
    if (leased->empty()) break;
    for (kpl::SpooledRecord& r : *leased) {
      int64_t id = r.id;
      kpl::UserRecord record{std::move(r.partition_key), std::move(r.explicit_hash_key),
                             std::move(r.data)};
      Status put = producer_->Put(std::move(record), [this, id](const kpl::PutOutcome& o) {
        ledger_.Outcome(id, o);
      });
      if (put.code() == StatusCode::kResourceExhausted) {
        ledger_.Later(id);
      } else if (!put.ok()) {
        ledger_.Refused(id, put.message());
      }
    }
  }
  ledger_.Settle();
}

std::optional<SteadyTime> KinesisSink::NextWakeup() const {
  std::optional<SteadyTime> wake = producer_->NextWakeup();
  if (ledger_.paused()) {
    wake = wake ? std::min(*wake, ledger_.paused_until()) : ledger_.paused_until();
  }
  return wake;
}

bool KinesisSink::Drain() {
  producer_->Flush();
  producer_->Poll();
  ledger_.Settle();
  return producer_->outstanding_records() == 0;
}

}  // namespace kedge::agent
