#include "kpl/limiter.h"

#include <algorithm>

namespace kedge::kpl {

Limiter::ShardState::ShardState(const Options& o, SteadyTime now)
    : records(o.records_per_second, o.records_per_second, now),
      bytes(o.bytes_per_second,
            std::max(o.bytes_per_second, static_cast<double>(o.max_record_size)), now),
      factor_at(now) {}

Limiter::Limiter(const Options& options, Sink ready, Sink expired)
    : options_(options), ready_(std::move(ready)), expired_(std::move(expired)) {}

Limiter::ShardState& Limiter::State(ShardHandle shard, SteadyTime now) {
  auto it = shards_.find(shard);
  if (it == shards_.end()) it = shards_.emplace(shard, ShardState(options_, now)).first;
  return it->second;
}

void Limiter::Recover(ShardState* s, SteadyTime now) {
  if (s->factor >= 1.0 || now <= s->factor_at) return;
  double seconds = std::chrono::duration<double>(now - s->factor_at).count();
  s->factor = std::min(1.0, s->factor + options_.recovery_per_second * seconds);
  s->factor_at = now;
  s->records.SetRate(options_.records_per_second * s->factor, now);
  s->bytes.SetRate(options_.bytes_per_second * s->factor, now);
}

void Limiter::Add(KinesisRecordPtr record, SteadyTime now) {
  if (record->shard == kNoShard || options_.records_per_second <= 0) {
    ready_(std::move(record));
    return;
  }
  ShardState& s = State(record->shard, now);
  s.queue.push_back(std::move(record));
  ++queued_;
  DrainShard(&s, now);
}

void Limiter::DrainShard(ShardState* s, SteadyTime now) {
  Recover(s, now);
  while (!s->queue.empty()) {
    KinesisRecordPtr& front = s->queue.front();
    if (front->expiration <= now) {
      KinesisRecordPtr r = std::move(front);
      s->queue.pop_front();
      --queued_;
      expired_(std::move(r));
      continue;
    }
    double size = static_cast<double>(front->WireSize());
    if (s->records.Available(now) + 1e-6 < 1 || s->bytes.Available(now) + 1e-6 < size) return;
    s->records.TryTake(1, now);
    s->bytes.TryTake(size, now);
    KinesisRecordPtr r = std::move(front);
    s->queue.pop_front();
    --queued_;
    ready_(std::move(r));
  }
}

void Limiter::Drain(SteadyTime now) {
  for (auto& [shard, s] : shards_) {
    if (!s.queue.empty()) DrainShard(&s, now);
  }
}

void Limiter::OnThrottled(ShardHandle shard, SteadyTime now) {
  if (shard == kNoShard) return;
  ShardState& s = State(shard, now);
  Recover(&s, now);
  s.factor = std::max(options_.min_factor, s.factor / 2);
  s.factor_at = now;
  s.records.SetRate(options_.records_per_second * s.factor, now);
  s.bytes.SetRate(options_.bytes_per_second * s.factor, now);
}

double Limiter::Factor(ShardHandle shard, SteadyTime now) {
  auto it = shards_.find(shard);
  if (it == shards_.end()) return 1.0;
  Recover(&it->second, now);
  return it->second.factor;
}

std::vector<KinesisRecordPtr> Limiter::TakeAll() {
  std::vector<KinesisRecordPtr> out;
  for (auto& [shard, s] : shards_) {
    for (auto& r : s.queue) out.push_back(std::move(r));
    s.queue.clear();
  }
  queued_ = 0;
  return out;
}

std::optional<SteadyTime> Limiter::NextWakeup(SteadyTime now) {
  std::optional<SteadyTime> next;
  for (auto& [shard, s] : shards_) {
    if (s.queue.empty()) continue;
    const KinesisRecord& front = *s.queue.front();
    SteadyTime t = std::max(s.records.WhenAvailable(1, now),
                            s.bytes.WhenAvailable(static_cast<double>(front.WireSize()), now));
    t = std::min(t, front.expiration);
    if (!next || t < *next) next = t;
  }
  return next;
}

}  // namespace kedge::kpl
