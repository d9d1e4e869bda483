#pragma once
// The records that move through the producer pipeline.
//
// UserRecord and PutOutcome are what callers see. PendingRecord (one accepted user record and
// its bookkeeping) and KinesisRecord (what goes into one PutRecords entry: a plain user record or
// an aggregate of several, always for one predicted shard) are internal to the stages. Each
// stage owns the records it holds through unique_ptr and hands them on by moving them.
// Single-threaded: the producer's thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kpl/hash_key.h"
#include "platform/clock.h"
#include "platform/status.h"

namespace kedge::kpl {

struct UserRecord {
  std::string partition_key;      // 1..256 Unicode characters, UTF-8
  std::string explicit_hash_key;  // optional: decimal 0..2^128-1; empty = MD5(partition key)
  std::string data;
};

// How one user record ended. status is OK on success; then shard_id and sequence_number are
// the Kinesis record's and sub_sequence_number is the user record's index inside it (0 for a
// record sent alone).
struct PutOutcome {
  Status status;
  std::string shard_id;
  std::string sequence_number;
  uint64_t sub_sequence_number = 0;
  int attempts = 0;
};
using PutCallback = std::function<void(const PutOutcome&)>;

// A shard as the ShardMap interned it; kNoShard when no prediction was made.
using ShardHandle = uint32_t;
constexpr ShardHandle kNoShard = ~ShardHandle{0};

struct PendingRecord {
  UserRecord record;
  HashKey hash_key;
  PutCallback callback;
  ShardHandle predicted = kNoShard;
  SteadyTime arrival{};
  SteadyTime deadline{};    // flush by then (RecordMaxBufferedTime)
  SteadyTime expiration{};  // fail after (record TTL); SteadyTime::max() when unlimited
  int attempts = 0;         // PutRecords attempts so far
  Status last_error;        // why the last attempt failed
};
using PendingRecordPtr = std::unique_ptr<PendingRecord>;

struct KinesisRecord {
  std::vector<PendingRecordPtr> items;  // in sub-sequence order
  std::string data;
  std::string partition_key;
  std::string explicit_hash_key;  // may be empty
  ShardHandle shard = kNoShard;
  SteadyTime deadline = SteadyTime::max();
  SteadyTime expiration = SteadyTime::max();

  // Set when the data has gone into a request (Producer::Send moves it there: the user records
  // are what a retry sends again, so the encoded copy is not kept while in flight).
  size_t sent_size = 0;

  // What the service counts against its record and request limits; still right after the
  // data went into a request.
  size_t WireSize() const {
    return sent_size != 0 ? sent_size : data.size() + partition_key.size();
  }
};
using KinesisRecordPtr = std::unique_ptr<KinesisRecord>;

}  // namespace kedge::kpl
