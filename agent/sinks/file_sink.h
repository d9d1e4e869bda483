#pragma once
// FileSink: appends each record as one JSON line to a local file (the `file` sink type; the
// line format is JsonLinesFileSink's), written (and fdatasync'ed with `sync: true`) before the
// records are acked. For sites without a network and for debugging.

#include <memory>

#include "agent/sinks/file/json_lines_file_sink.h"
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
  bool sync_;
  kpl::Spool& spool_;
  SinkLedger ledger_;
  std::unique_ptr<JsonLinesFileSink> writer_;
};

}  // namespace kedge::agent
