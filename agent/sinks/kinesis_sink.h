#pragma once
// KinesisSink: spooled records -> kpl::Producer (KPL aggregation, rate limits, retries) ->
// Kinesis Data Streams. Records stay in the spool until the stream acknowledged them; the
// producer runs without a record TTL because the spool is the buffer.

#include <memory>

#include "agent/sinks/sink.h"
#include "agent/sinks/sink_ledger.h"
#include "kpl/kinesis_api.h"
#include "kpl/producer.h"

namespace kedge::agent {

class KinesisSink final : public Sink {
 public:
  // `api` and `spool` must outlive the sink.
  static StatusOr<std::unique_ptr<KinesisSink>> Create(const SinkConfig& config,
                                                       kpl::KinesisApi& api, kpl::Spool& spool,
                                                       Clock& clock, MetricsRegistry& metrics);
  const std::string& Name() const override { return name_; }
  void Pump() override;
  std::optional<SteadyTime> NextWakeup() const override;
  bool Drain() override;

 private:
  KinesisSink(const SinkConfig& config, std::unique_ptr<kpl::Producer> producer,
              kpl::Spool& spool, Clock& clock, MetricsRegistry& metrics);

  // Copies the producer's counters (the KPL's metrics) into the registry.
  void ExportMetrics();

  std::string name_;
  kpl::Spool& spool_;
  Clock& clock_;
  MetricsRegistry& metrics_;
  SinkLedger ledger_;
  kpl::ProducerMetrics exported_;  // what ExportMetrics has already added
  bool aggregation_;
  SteadyTime map_wait_until_;  // aggregation waits this long for the first shard map
  std::unique_ptr<kpl::Producer> producer_;  // after ledger_: its callbacks write there
};

}  // namespace kedge::agent
