#include "agent/sinks/sink_ledger.h"

#include <algorithm>

#include "platform/logging.h"

namespace kedge::agent {
namespace {

constexpr std::chrono::milliseconds kMinBackoff{1000};
constexpr std::chrono::milliseconds kMaxBackoff{60000};

// A quarter of the spool (none when the spool sets no bound).
uint64_t InFlightBudget(uint64_t spool_max_bytes) {
  return spool_max_bytes == 0 ? UINT64_MAX : std::max<uint64_t>(spool_max_bytes / 4, 1);
}

}  // namespace

SinkLedger::SinkLedger(const std::string& sink, kpl::Spool& spool, Clock& clock,
                       MetricsRegistry& metrics)
    : sink_(sink),
      spool_(spool),
      clock_(clock),
      in_flight_budget_(InFlightBudget(spool.stats().max_bytes)),
      sent_(metrics.GetCounter("kedge_sink_records_sent_total",
                               "Records the destination acknowledged", {{"sink", sink}})),
      failed_(metrics.GetCounter("kedge_sink_records_failed_total",
                                 "Records that failed and stay in the spool for a retry",
                                 {{"sink", sink}})),
      dead_lettered_(metrics.GetCounter("kedge_sink_records_dead_lettered_total",
                                        "Records the destination refused for good",
                                        {{"sink", sink}})) {}

void SinkLedger::Outcome(int64_t id, const kpl::PutOutcome& outcome) {
  if (outcome.status.ok()) {
    acks_.push_back(id);
    backoff_ = std::chrono::milliseconds(0);
    return;
  }
  // The producer retried what retrying could fix; what comes back failed cannot go now (stream
  // missing, access denied, shutting down): keep the record, slow down, say why.
  nacks_.push_back(id);
  if (outcome.status.code() == StatusCode::kCancelled) return;  // shutdown, not the stream
  backoff_ = std::min(kMaxBackoff, std::max(kMinBackoff, backoff_ * 2));
  paused_until_ = clock_.Now() + backoff_;
  KEDGE_LOG_EVERY(kError, std::chrono::seconds(30))
      << "sink " << sink_ << ": " << outcome.status.message()
      << "; the records stay in the spool, next try in " << backoff_.count() / 1000 << " s";
}

void SinkLedger::Settle() {
  if (!acks_.empty()) {
    sent_.Increment(acks_.size());
    spool_.Ack(acks_).IgnoreError();  // a failed commit surfaces from MaybeCommit
    acks_.clear();
  }
  if (!nacks_.empty()) {
    failed_.Increment(nacks_.size());
    spool_.Nack(nacks_).IgnoreError();
    nacks_.clear();
  }
  for (auto& [id, why] : dead_) {
    dead_lettered_.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << "sink " << sink_ << ": a record was refused for good and kept in the dead letters: "
        << why;
    spool_.DeadLetter({id}, why).IgnoreError();
  }
  dead_.clear();
}

}  // namespace kedge::agent
