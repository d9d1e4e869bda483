#include "agent/sinks/firehose_sink.h"

#include "platform/logging.h"

namespace kedge::agent {

StatusOr<std::unique_ptr<FirehoseSink>> FirehoseSink::Create(const SinkConfig& config,
                                                             kpl::FirehoseClient& client,
                                                             kpl::Spool& spool, Clock& clock,
                                                             MetricsRegistry& metrics) {
  kpl::FirehoseProducerConfig fc;
  fc.delivery_stream = config.stream;
  fc.delimiter = config.append_newline ? "\n" : "";
  fc.max_buffered_time = config.max_buffered_time;
  fc.record_ttl = Millis(0);  // the spool backs the producer
  KEDGE_RETURN_IF_ERROR(fc.Validate().WithContext("sink " + config.name));
  std::unique_ptr<FirehoseSink> sink(new FirehoseSink(config, spool, clock, metrics));
  auto send = [&client](const std::string& stream, const std::vector<std::string>& records,
                        std::function<void(StatusOr<std::vector<kpl::FirehoseRecordOutcome>>)>
                            done) {
    client.PutRecordBatch(stream, records,
                          [done = std::move(done)](StatusOr<kpl::PutRecordBatchResult> r) {
                            if (!r.ok()) return done(r.status());
                            std::vector<kpl::FirehoseRecordOutcome> out;
                            for (auto& e : r->records) {
                              out.push_back({e.record_id, e.error_code, e.error_message});
                            }
                            done(std::move(out));
                          });
  };
  sink->producer_ = std::make_unique<kpl::FirehoseProducer>(send, clock, fc);
  return sink;
}

FirehoseSink::FirehoseSink(const SinkConfig& config, kpl::Spool& spool, Clock& clock,
                           MetricsRegistry& metrics)
    : name_(config.name), spool_(spool), ledger_(config.name, spool, clock, metrics) {}

void FirehoseSink::Pump() {
  producer_->Poll();
  while (ledger_.Leasable() && producer_->outstanding_records() < 5000) {
    auto leased = spool_.Lease(name_, 500, ledger_.LeaseBytes(4 * 1048576));
    if (!leased.ok() || leased->empty()) break;
    for (kpl::SpooledRecord& r : *leased) {
      int64_t id = r.id;
      uint64_t bytes = r.data.size() + r.partition_key.size();
      ledger_.Leased(bytes);
      Status put = producer_->Put(std::move(r.data), [this, id, bytes](const kpl::PutOutcome& o) {
        ledger_.Released(bytes);
        ledger_.Outcome(id, o);
      });
      if (!put.ok()) ledger_.Released(bytes);
      if (put.code() == StatusCode::kResourceExhausted) ledger_.Later(id);
      else if (!put.ok()) ledger_.Refused(id, put.message());
    }
  }
  ledger_.Settle();
}

std::optional<SteadyTime> FirehoseSink::NextWakeup() const {
  return ledger_.NextWakeup(producer_->NextWakeup());
}

bool FirehoseSink::Drain() {
  producer_->Flush();
  producer_->Poll();
  ledger_.Settle();
  return producer_->outstanding_records() == 0;
}

}  // namespace kedge::agent
