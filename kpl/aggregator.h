#pragma once
// Aggregator: packs user records predicted for the same shard into KPL aggregated records.
//
// One batch per predicted shard, never mixing shards (the KCL silently drops an aggregate whose
// user records hash outside the shard that received it). A record with no prediction (no shard
// map yet, or aggregation off) goes out alone. A batch is emitted when one more record would
// take it past max_size or past the stream's record limit, when it reaches max_count, when its
// earliest deadline passes (FlushDue), or on FlushAll. A batch of one goes out as a plain
// record; an aggregate gets partition key "a" and the first user record's hash key as its
// explicit hash key, so it lands on the predicted shard.
// Single-threaded; emitted records go to the sink given at construction.

#include <cstddef>
#include <functional>
#include <optional>
#include <unordered_map>

#include "kpl/aggregated_record.h"
#include "kpl/user_record.h"

namespace kedge::kpl {

class Aggregator {
 public:
  struct Options {
    bool enabled = true;
    size_t max_count = 4294967295u;    // user records per aggregate
    size_t max_size = 51200;           // bytes of an aggregate, outer partition key included
    size_t max_record_size = 1048576;  // the stream's limit: partition key + data
  };
  using Sink = std::function<void(KinesisRecordPtr)>;

  Aggregator(const Options& options, Sink sink);

  // Takes a validated record whose `predicted` shard is set (or kNoShard).
  void Add(PendingRecordPtr record);
  // Emits every batch whose earliest deadline is at or before `now`.
  void FlushDue(SteadyTime now);
  void FlushAll();
  // Takes every buffered record out without emitting anything (for failing them at shutdown).
  std::vector<PendingRecordPtr> TakeAll();

  std::optional<SteadyTime> NextDeadline() const;
  size_t buffered_records() const { return buffered_records_; }

 private:
  struct Batch {
    AggregatedRecordBuilder builder;
    std::vector<PendingRecordPtr> items;
    SteadyTime deadline = SteadyTime::max();
    SteadyTime expiration = SteadyTime::max();
  };
  void Emit(ShardHandle shard, Batch* batch);
  void EmitAlone(PendingRecordPtr record, ShardHandle shard);

  Options options_;
  size_t size_limit_;
  Sink sink_;
  std::unordered_map<ShardHandle, Batch> batches_;
  size_t buffered_records_ = 0;
};

}  // namespace kedge::kpl
