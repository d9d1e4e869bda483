#include "kpl/aggregator.h"

#include <algorithm>

namespace kedge::kpl {

Aggregator::Aggregator(const Options& options, Sink sink)
    : options_(options),
      size_limit_(std::min(options.max_size, options.max_record_size)),
      sink_(std::move(sink)) {}

void Aggregator::Add(PendingRecordPtr record) {
  ShardHandle shard = record->predicted;
  if (!options_.enabled || shard == kNoShard) {
    EmitAlone(std::move(record), shard);
    return;
  }
  Batch& batch = batches_[shard];
  const UserRecord& u = record->record;
  // The builder keeps views into the record's strings; the record lives in batch.items (on the
  // heap, so moving the unique_ptr does not move the strings).
  if (!batch.builder.TryAdd(u.partition_key, u.explicit_hash_key, u.data, size_limit_)) {
    Emit(shard, &batch);
    batch.builder.Add(u.partition_key, u.explicit_hash_key, u.data);
  }
  batch.deadline = std::min(batch.deadline, record->deadline);
  batch.expiration = std::min(batch.expiration, record->expiration);
  batch.items.push_back(std::move(record));
  ++buffered_records_;
  if (batch.items.size() >= options_.max_count || batch.builder.Size() >= size_limit_) {
    Emit(shard, &batch);
  }
}

void Aggregator::EmitAlone(PendingRecordPtr record, ShardHandle shard) {
  auto out = std::make_unique<KinesisRecord>();
  out->data = record->record.data;
  out->partition_key = record->record.partition_key;
  out->explicit_hash_key = record->record.explicit_hash_key;
  out->shard = shard;
  out->deadline = record->deadline;
  out->expiration = record->expiration;
  out->items.push_back(std::move(record));
  sink_(std::move(out));
}

void Aggregator::Emit(ShardHandle shard, Batch* batch) {
  if (batch->items.empty()) return;
  buffered_records_ -= batch->items.size();
  if (batch->items.size() == 1) {
    PendingRecordPtr only = std::move(batch->items.front());
    batch->items.clear();
    batch->builder.Clear();
    batch->deadline = batch->expiration = SteadyTime::max();
    EmitAlone(std::move(only), shard);
    return;
  }
  auto out = std::make_unique<KinesisRecord>();
  out->data = batch->builder.Serialize();
  out->partition_key = std::string(kAggregatePartitionKey);
  out->explicit_hash_key = batch->items.front()->hash_key.ToDecimal();
  out->shard = shard;
  out->deadline = batch->deadline;
  out->expiration = batch->expiration;
  out->items = std::move(batch->items);
  batch->items.clear();
  batch->builder.Clear();
  batch->deadline = batch->expiration = SteadyTime::max();
  sink_(std::move(out));
}

void Aggregator::FlushDue(SteadyTime now) {
  for (auto& [shard, batch] : batches_) {
    if (!batch.items.empty() && batch.deadline <= now) Emit(shard, &batch);
  }
}

void Aggregator::FlushAll() {
  for (auto& [shard, batch] : batches_) Emit(shard, &batch);
}

std::vector<PendingRecordPtr> Aggregator::TakeAll() {
  std::vector<PendingRecordPtr> out;
  for (auto& [shard, batch] : batches_) {
    for (auto& r : batch.items) out.push_back(std::move(r));
    batch.items.clear();
    batch.builder.Clear();
    batch.deadline = batch.expiration = SteadyTime::max();
  }
  buffered_records_ = 0;
  return out;
}

std::optional<SteadyTime> Aggregator::NextDeadline() const {
  std::optional<SteadyTime> next;
  for (const auto& [shard, batch] : batches_) {
    if (!batch.items.empty() && (!next || batch.deadline < *next)) next = batch.deadline;
  }
  return next;
}

}  // namespace kedge::kpl
