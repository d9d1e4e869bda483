#include "agent/metrics/status_history.h"

namespace kedge::agent {

void StatusHistory::Add(const StatusSample& sample) {
  std::lock_guard<std::mutex> lock(mu_);
  samples_.push_back(sample);
  while (samples_.size() > capacity_) samples_.pop_front();
}

size_t StatusHistory::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return samples_.size();
}

nlohmann::json StatusHistory::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const StatusSample& s : samples_) {
    out.push_back({{"t", s.unix_ms},
                   {"read", s.records_read},
                   {"sent", s.records_sent},
                   {"dropped", s.records_dropped},
                   {"spool_bytes", s.spool_bytes},
                   {"spool_records", s.spool_records},
                   {"oldest_age_ms", s.oldest_unsent_age_ms}});
  }
  return out;
}

}  // namespace kedge::agent
