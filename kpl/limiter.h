#pragma once
// Limiter: keeps each predicted shard under its write limits so that a producer does not earn
// throttling it could have avoided.
//
// Per shard, two token buckets: Kinesis records per second and bytes per second, by default
// the shard limits (1,000 records/s, 1 MiB/s) x 1.5 like the KPL's RateLimit=150, which lets
// one producer saturate a shard. Unlike the KPL, throttling slows a shard down: each
// OnThrottled halves its rate (down to min_factor), and the rate recovers linearly while no
// throttling is seen. Records wait in a FIFO per shard; a record that expires while waiting
// goes to the expired sink. Records with no predicted shard pass straight through, and so does
// everything when records_per_second is 0 (limits off, for endpoints without shard limits).
// Single-threaded; time comes from the caller.

#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "kpl/token_bucket.h"
#include "kpl/user_record.h"

namespace kedge::kpl {

class Limiter {
 public:
  struct Options {
    double records_per_second = 1000 * 1.5;
    double bytes_per_second = 1048576 * 1.5;
    size_t max_record_size = 1048576;  // bucket capacity must hold the largest record
    double min_factor = 0.1;           // the slowest a throttled shard gets, as a share of the rate
    double recovery_per_second = 0.1;  // share of the rate regained per second without throttling
  };
  using Sink = std::function<void(KinesisRecordPtr)>;

  Limiter(const Options& options, Sink ready, Sink expired);

  void Add(KinesisRecordPtr record, SteadyTime now);
  // Passes on every record whose shard has the tokens, in FIFO order per shard.
  void Drain(SteadyTime now);
  // The service throttled a record for this shard.
  void OnThrottled(ShardHandle shard, SteadyTime now);

  // Takes every queued record out (for failing them at shutdown).
  std::vector<KinesisRecordPtr> TakeAll();

  std::optional<SteadyTime> NextWakeup(SteadyTime now);
  size_t queued() const { return queued_; }
  // The share of its configured rate the shard runs at (1 when it was never throttled).
  double Factor(ShardHandle shard, SteadyTime now);

 private:
  struct ShardState {
    ShardState(const Options& o, SteadyTime now);
    TokenBucket records;
    TokenBucket bytes;
    double factor = 1.0;
    SteadyTime factor_at;
    std::deque<KinesisRecordPtr> queue;
  };
  ShardState& State(ShardHandle shard, SteadyTime now);
  void Recover(ShardState* s, SteadyTime now);
  void DrainShard(ShardState* s, SteadyTime now);

  Options options_;
  Sink ready_;
  Sink expired_;
  std::unordered_map<ShardHandle, ShardState> shards_;
  size_t queued_ = 0;
};

}  // namespace kedge::kpl
