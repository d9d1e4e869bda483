#include "agent/sinks/file_sink.h"

namespace kedge::agent {

FileSink::FileSink(const SinkConfig& config, kpl::Spool& spool, Clock& clock,
                   MetricsRegistry& metrics)
    : name_(config.name),
      path_(config.path),
      sync_(config.sync),
      spool_(spool),
      ledger_(name_, spool, clock, metrics) {}

FileSink::~FileSink() = default;

void FileSink::Pump() {
  if (ledger_.paused()) return;
  if (!writer_) {
    StatusOr<std::unique_ptr<JsonLinesFileSink>> writer = JsonLinesFileSink::Open(path_, sync_);
    if (!writer.ok()) {
      Status why = writer.status().WithContext("sink " + name_);
      ledger_.Outcome(-1, kpl::PutOutcome{why, "", "", 0, 0});  // pauses with a backoff
      return;
    }
    writer_ = std::move(*writer);
  }
  auto leased = spool_.Lease(name_, 1000, 4 * 1048576);
  if (!leased.ok() || leased->empty()) return;
  Status why = writer_->Write(*leased).WithContext("sink " + name_);
  for (const auto& r : *leased) ledger_.Outcome(r.id, kpl::PutOutcome{why, "", "", 0, 1});
  ledger_.Settle();
}

std::optional<SteadyTime> FileSink::NextWakeup() const {
  return ledger_.NextWakeup(std::nullopt);
}

}  // namespace kedge::agent
