#include "kpl/collector.h"

#include <algorithm>

namespace kedge::kpl {

Collector::Collector(const Options& options, Send send)
    : options_(options), send_(std::move(send)) {}

size_t Collector::in_flight_bytes(ShardHandle shard) const {
  auto it = in_flight_.find(shard);
  return it == in_flight_.end() ? 0 : it->second;
}

bool Collector::Sendable(const KinesisRecord& r) const {
  size_t in_flight = in_flight_bytes(r.shard);
  return in_flight == 0 || in_flight + r.WireSize() <= options_.max_in_flight_bytes_per_shard;
}

void Collector::Add(KinesisRecordPtr record, SteadyTime now) {
  buffered_bytes_ += record->WireSize();
  buffered_.push_back(std::move(record));
  while (FullRequestReady() && SendOne(now)) {
  }
}

bool Collector::FullRequestReady() const {
  return buffered_.size() >= options_.max_count || buffered_bytes_ >= options_.max_bytes;
}

bool Collector::SendOne(SteadyTime now) {
  auto batch = std::make_unique<PutBatch>();
  std::deque<KinesisRecordPtr> kept;
  // Bytes this request adds per shard, so the cap holds within one request too.
  std::unordered_map<ShardHandle, size_t> adding;
  while (!buffered_.empty()) {
    KinesisRecordPtr r = std::move(buffered_.front());
    buffered_.pop_front();
    size_t size = r->WireSize();
    bool full = batch->records.size() >= options_.max_count ||
                (!batch->records.empty() && batch->bytes + size > options_.max_bytes);
    size_t in_flight = in_flight_bytes(r->shard) + adding[r->shard];
    bool capped = in_flight > 0 && in_flight + size > options_.max_in_flight_bytes_per_shard;
    if (full || capped) {
      kept.push_back(std::move(r));
      if (full) break;
      continue;
    }
    adding[r->shard] += size;
    batch->bytes += size;
    buffered_bytes_ -= size;
    batch->records.push_back(std::move(r));
  }
  // Put the records left behind back in front, in their order.
  while (!kept.empty()) {
    buffered_.push_front(std::move(kept.back()));
    kept.pop_back();
  }
  if (batch->records.empty()) return false;
  for (const auto& [shard, bytes] : adding) in_flight_[shard] += bytes;
  batch->sent_at = now;
  send_(std::move(batch));
  return true;
}

void Collector::Poll(SteadyTime now) {
  while (!buffered_.empty()) {
    std::optional<SteadyTime> due = NextDeadline();
    if (!FullRequestReady() && (!due || *due > now)) return;
    if (!SendOne(now)) return;
  }
}

void Collector::FlushAll(SteadyTime now) {
  while (!buffered_.empty() && SendOne(now)) {
  }
}

void Collector::OnBatchDone(const PutBatch& batch) {
  for (const KinesisRecordPtr& r : batch.records) {
    auto it = in_flight_.find(r->shard);
    if (it == in_flight_.end()) continue;
    it->second -= std::min(it->second, r->WireSize());
    if (it->second == 0) in_flight_.erase(it);
  }
}

std::vector<KinesisRecordPtr> Collector::TakeAll() {
  std::vector<KinesisRecordPtr> out;
  for (auto& r : buffered_) out.push_back(std::move(r));
  buffered_.clear();
  buffered_bytes_ = 0;
  return out;
}

std::optional<SteadyTime> Collector::NextDeadline() const {
  std::optional<SteadyTime> next;
  for (const KinesisRecordPtr& r : buffered_) {
    if (!Sendable(*r)) continue;  // woken by OnBatchDone instead
    SteadyTime due = r->deadline == SteadyTime::max() ? r->deadline : r->deadline + options_.linger;
    due = std::min(due, r->expiration);
    if (!next || due < *next) next = due;
  }
  return next;
}

}  // namespace kedge::kpl
