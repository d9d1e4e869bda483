#pragma once
// ShardMap: predicts which shard a hash key lands on, from ListShards.
//
// Only open shards take part in prediction. Predict returns kNoShard until a list has arrived,
// and again from an Invalidate (a misprediction or a reshard seen in a PutRecords result) until
// the new list arrives, so records go unaggregated rather than into an aggregate the consumer
// would drop. A periodic refresh keeps predicting from the old list while it runs.
// A failed ListShards is retried after a backoff (1 s, x1.5, up to 30 s).
//
// Shard ids are interned into ShardHandles that stay valid for the map's life, so records carry
// a small integer instead of a string. Single-threaded: Poll, Invalidate and the ListShards
// callback run on the producer's thread. The map may be destroyed with a ListShards call
// outstanding: the callback then does nothing.

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kpl/hash_key.h"
#include "kpl/kinesis_api.h"
#include "kpl/user_record.h"
#include "platform/clock.h"

namespace kedge::kpl {

class ShardMap {
 public:
  struct Options {
    Millis refresh_interval{5 * 60 * 1000};  // periodic refresh; 0 = never
    Millis min_backoff{1000};
    Millis max_backoff{30000};
  };

  ShardMap(KinesisApi& api, Clock& clock, std::string stream, const Options& options);
  ShardMap(const ShardMap&) = delete;
  ShardMap& operator=(const ShardMap&) = delete;

  // Starts a ListShards when one is due (first use, invalidated, periodic, after backoff).
  void Poll();
  // A PutRecords sent at `sent_at` showed the map is wrong. Ignored when the map was updated
  // after that request was sent (its news is already in), which damps refresh storms.
  void Invalidate(SteadyTime sent_at);
  // Replaces the shard list (what a ListShards answer does; public for tests and benchmarks).
  void Update(const std::vector<Shard>& shards);

  ShardHandle Predict(HashKey key) const;
  // True when `shard`'s last known range contains `key`; false for an unknown shard.
  bool Contains(ShardHandle shard, HashKey key) const;
  bool Known(ShardHandle shard) const { return ranges_.count(shard) != 0; }
  bool ready() const { return ready_; }

  ShardHandle Intern(const std::string& shard_id);
  const std::string& Name(ShardHandle shard) const;

  // When Poll next has something to do; nullopt while a call is outstanding.
  std::optional<SteadyTime> NextPoll() const;
  int refreshes() const { return refreshes_; }

 private:
  void Start();
  void OnListed(StatusOr<std::vector<Shard>> result);

  KinesisApi& api_;
  Clock& clock_;
  std::string stream_;
  Options options_;

  struct OpenShard {
    HashKey end;
    HashKey start;
    ShardHandle handle;
  };
  std::vector<OpenShard> by_end_;  // open shards, sorted by ending key
  std::unordered_map<ShardHandle, std::pair<HashKey, HashKey>> ranges_;  // all listed shards
  std::vector<std::string> names_;
  std::unordered_map<std::string, ShardHandle> handles_;

  bool ready_ = false;
  bool in_flight_ = false;
  bool stale_ = true;
  SteadyTime updated_at_{};
  SteadyTime next_attempt_{};
  Millis backoff_{0};
  int refreshes_ = 0;
  // Lets a late ListShards callback see that the map is gone. Shared only with those callbacks.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kedge::kpl
