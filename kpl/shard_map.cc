#include "kpl/shard_map.h"

#include <algorithm>

#include "platform/logging.h"

namespace kedge::kpl {

ShardMap::ShardMap(KinesisApi& api, Clock& clock, std::string stream, const Options& options)
    : api_(api), clock_(clock), stream_(std::move(stream)), options_(options) {}

void ShardMap::Poll() {
  if (in_flight_) return;
  SteadyTime now = clock_.Now();
  bool periodic_due = ready_ && options_.refresh_interval.count() > 0 &&
                      now >= updated_at_ + options_.refresh_interval;
  if ((stale_ || periodic_due) && now >= next_attempt_) Start();
}

std::optional<SteadyTime> ShardMap::NextPoll() const {
  if (in_flight_) return std::nullopt;
  if (stale_) return next_attempt_;
  if (options_.refresh_interval.count() > 0) {
    return std::max(next_attempt_, updated_at_ + options_.refresh_interval);
  }
  return std::nullopt;
}

void ShardMap::Start() {
  in_flight_ = true;
  ++refreshes_;
  std::weak_ptr<bool> alive = alive_;
  api_.ListShards(stream_, [this, alive](StatusOr<std::vector<Shard>> result) {
    if (alive.expired()) return;
    OnListed(std::move(result));
  });
}

void ShardMap::OnListed(StatusOr<std::vector<Shard>> result) {
  in_flight_ = false;
  if (result.ok()) {
    Update(*result);
    if (ready_) {
      backoff_ = Millis(0);
      return;
    }
    // No usable open shard (a stream being created or deleted): back off like a failure.
    result = FailedPreconditionError("the stream has no open shards");
  }
  backoff_ = backoff_.count() == 0
                 ? options_.min_backoff
                 : std::min(options_.max_backoff, Millis(backoff_.count() * 3 / 2));
  next_attempt_ = clock_.Now() + backoff_;
  KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
      << "kpl: ListShards for stream " << stream_ << " failed, retrying in " << backoff_.count()
      << " ms: " << result.status().ToString();
}

void ShardMap::Update(const std::vector<Shard>& shards) {
  std::vector<OpenShard> by_end;
  for (const Shard& s : shards) {
    auto start = HashKey::FromDecimal(s.starting_hash_key);
    auto end = HashKey::FromDecimal(s.ending_hash_key);
    if (!start.ok() || !end.ok()) {
      KEDGE_LOG(kWarn) << "kpl: ignoring shard " << s.shard_id << " with a bad hash key range";
      continue;
    }
    ShardHandle h = Intern(s.shard_id);
    ranges_[h] = {*start, *end};
    if (s.open) by_end.push_back(OpenShard{*end, *start, h});
  }
  std::sort(by_end.begin(), by_end.end(),
            [](const OpenShard& a, const OpenShard& b) { return a.end < b.end; });
  by_end_ = std::move(by_end);
  ready_ = !by_end_.empty();
  stale_ = !ready_;
  updated_at_ = clock_.Now();
  next_attempt_ = updated_at_;
}

void ShardMap::Invalidate(SteadyTime sent_at) {
  if (!ready_ || sent_at < updated_at_) return;
  ready_ = false;
  stale_ = true;
}

ShardHandle ShardMap::Predict(HashKey key) const {
  if (!ready_) return kNoShard;
  auto it = std::lower_bound(by_end_.begin(), by_end_.end(), key,
                             [](const OpenShard& e, HashKey k) { return e.end < k; });
  if (it == by_end_.end() || key < it->start) return kNoShard;  // past the end, or a gap
  return it->handle;
}

bool ShardMap::Contains(ShardHandle shard, HashKey key) const {
  auto it = ranges_.find(shard);
  return it != ranges_.end() && it->second.first <= key && key <= it->second.second;
}

ShardHandle ShardMap::Intern(const std::string& shard_id) {
  auto [it, inserted] = handles_.emplace(shard_id, static_cast<ShardHandle>(names_.size()));
  if (inserted) names_.push_back(shard_id);
  return it->second;
}

const std::string& ShardMap::Name(ShardHandle shard) const {
  static const std::string kNone;
  return shard < names_.size() ? names_[shard] : kNone;
}

}  // namespace kedge::kpl
