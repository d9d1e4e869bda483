#pragma once
// StatusHistory: the last minutes of throughput and spool depth, sampled by the agent (every
// few seconds on the main thread) and drawn by the status page from /status. A fixed ring of
// samples; Add and ToJson may run on different threads (mutex inside).

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace kedge::agent {

struct StatusSample {
  int64_t unix_ms = 0;
  uint64_t records_read = 0;     // cumulative counters; the page draws their rates
  uint64_t records_sent = 0;
  uint64_t records_dropped = 0;
  uint64_t spool_bytes = 0;      // gauges
  uint64_t spool_records = 0;
  int64_t oldest_unsent_age_ms = 0;
};

class StatusHistory {
 public:
  explicit StatusHistory(size_t capacity = 180) : capacity_(capacity) {}
  void Add(const StatusSample& sample);
  // [{"t":..,"read":..,"sent":..,"dropped":..,"spool_bytes":..,"spool_records":..,"oldest_age_ms":..}]
  nlohmann::json ToJson() const;
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::deque<StatusSample> samples_;  // guarded by mu_
};

}  // namespace kedge::agent
