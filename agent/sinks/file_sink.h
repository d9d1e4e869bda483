#pragma once
// FileSink: appends each record as one line to a local file (the `file` sink type), flushed to
// disk before the records are acked. For sites without a network and for debugging.

#include <memory>

#include "agent/sinks/sink.h"
#include "agent/sinks/sink_ledger.h"

namespace kedge::agent {

class FileSink final : public Sink {
 public:
  FileSink(const SinkConfig& config, kpl::Spool& spool, Clock& clock, MetricsRegistry& metrics);
  ~FileSink() override;
  const std::string& Name() const override { return name_; }
  void Pump() override;
  std::optional<SteadyTime> NextWakeup() const override;
  bool Drain() override { return true; }

 private:
  std::string name_;
  std::string path_;
  kpl::Spool& spool_;
  SinkLedger ledger_;
  int fd_ = -1;
};

}  // namespace kedge::agent
