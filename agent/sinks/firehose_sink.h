#pragma once
// FirehoseSink: spooled records -> kpl::FirehoseProducer (PutRecordBatch, newline delimiter
// when configured, only failed records resent) -> Amazon Data Firehose.

#include <memory>

#include "agent/sinks/sink.h"
#include "agent/sinks/sink_ledger.h"
#include "kpl/firehose_client.h"
#include "kpl/firehose_producer.h"

namespace kedge::agent {

class FirehoseSink final : public Sink {
 public:
  // `client` and `spool` must outlive the sink.
  static StatusOr<std::unique_ptr<FirehoseSink>> Create(const SinkConfig& config,
                                                        kpl::FirehoseClient& client,
                                                        kpl::Spool& spool, Clock& clock,
                                                        MetricsRegistry& metrics);
  const std::string& Name() const override { return name_; }
  void Pump() override;
  std::optional<SteadyTime> NextWakeup() const override;
  bool Drain() override;

 private:
  FirehoseSink(const SinkConfig& config, kpl::Spool& spool, Clock& clock,
               MetricsRegistry& metrics);

  std::string name_;
  kpl::Spool& spool_;
  SinkLedger ledger_;
  std::unique_ptr<kpl::FirehoseProducer> producer_;
};

}  // namespace kedge::agent
