#pragma once
// SinkLedger: what a sink owes the spool — acks, nacks and dead letters collected as outcomes
// arrive (often inside a producer callback) and applied together in Settle(), with the sink's
// counters and the backoff after failures. Single-threaded, owned by a sink.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/metrics/registry.h"
#include "kpl/spool/spool.h"
#include "kpl/user_record.h"
#include "platform/clock.h"

namespace kedge::agent {

class SinkLedger {
 public:
  SinkLedger(const std::string& sink, kpl::Spool& spool, Clock& clock, MetricsRegistry& metrics);

  // A record's final outcome from the producer: success acks it; failure nacks it (it stays in
  // the spool) and pauses the sink with a growing backoff.
  void Outcome(int64_t id, const kpl::PutOutcome& outcome);
  // The producer is full: back in line, no attempt counted.
  void Later(int64_t id) { nacks_.push_back(id); }
  // The destination can never take it (oversize, invalid key): dead-lettered with the reason.
  void Refused(int64_t id, std::string why) { dead_.emplace_back(id, std::move(why)); }

  // The in-flight budget: a sink leases no more while the records it holds (leased, not yet
  // settled) weigh a quarter of spool.max_bytes. Leased records are never dropped, so without
  // it an outage could pin the whole spool in a producer's retries and when_full: drop_oldest
  // would find nothing to drop.
  bool Leasable() const { return !paused() && in_flight_bytes_ < in_flight_budget_; }
  // How many bytes to ask of the next Lease: `wanted`, or what is left of the budget.
  size_t LeaseBytes(size_t wanted) const {
    return static_cast<size_t>(std::min<uint64_t>(wanted, in_flight_budget_ - in_flight_bytes_));
  }
  void Leased(uint64_t bytes) { in_flight_bytes_ += bytes; }
  void Released(uint64_t bytes) { in_flight_bytes_ -= bytes; }

  void Settle();
  bool paused() const { return clock_.Now() < paused_until_; }
  SteadyTime paused_until() const { return paused_until_; }
  // A sink's next wakeup: its producer's `wake`, or the end of a pause if that comes first.
  std::optional<SteadyTime> NextWakeup(std::optional<SteadyTime> wake) const {
    if (!paused()) return wake;
    return wake ? std::min(*wake, paused_until_) : paused_until_;
  }

 private:
  std::string sink_;
  kpl::Spool& spool_;
  Clock& clock_;
  std::vector<int64_t> acks_, nacks_;
  std::vector<std::pair<int64_t, std::string>> dead_;
  SteadyTime paused_until_{};
  uint64_t in_flight_budget_;
  uint64_t in_flight_bytes_ = 0;
  std::chrono::milliseconds backoff_{0};
  Counter& sent_;
  Counter& failed_;
  Counter& dead_lettered_;
};

}  // namespace kedge::agent
