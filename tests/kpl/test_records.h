#pragma once
// Helpers that build pipeline records for stage tests.

#include <memory>
#include <string>

#include "kpl/user_record.h"

namespace kedge::kpl::testing {

inline PendingRecordPtr MakePending(const std::string& pk, const std::string& data,
                                    ShardHandle shard = kNoShard,
                                    SteadyTime deadline = SteadyTime::max(),
                                    SteadyTime expiration = SteadyTime::max()) {
  auto r = std::make_unique<PendingRecord>();
  r->record.partition_key = pk;
  r->record.data = data;
  r->hash_key = HashKey::FromPartitionKey(pk);
  r->predicted = shard;
  r->deadline = deadline;
  r->expiration = expiration;
  return r;
}

inline KinesisRecordPtr MakeKinesis(ShardHandle shard, size_t data_size,
                                    SteadyTime deadline = SteadyTime::max(),
                                    SteadyTime expiration = SteadyTime::max()) {
  auto r = std::make_unique<KinesisRecord>();
  r->shard = shard;
  r->partition_key = "p";
  r->data = std::string(data_size, 'd');
  r->deadline = deadline;
  r->expiration = expiration;
  r->items.push_back(MakePending("p", r->data, shard, deadline, expiration));
  return r;
}

}  // namespace kedge::kpl::testing
