#pragma once
// KinesisStore: the durable state of the local Kinesis Data Streams — streams, their shards and
// hash-key ranges, and the records, in SQLite (tables kds_*; docs/ingest.md has the schema).
//
// Sequence numbers are one increasing counter over all streams (the records' rowid), so they
// increase within every shard as the service's do. Threading: any thread (the Database
// serializes). Errors: NotFound for an unknown stream, AlreadyExists when creating one that
// exists, InvalidArgument for bad input, others from SQLite.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kpl/hash_key.h"
#include "ingest/storage/database.h"
#include "platform/clock.h"

namespace kedge::ingest {

using kpl::HashKey;  // routing as the producer predicts it
using kpl::SplitHashKeySpace;

struct KdsShard {
  int index = 0;
  HashKey start;
  HashKey end;
  int64_t first_sequence = 0;  // StartingSequenceNumber
  std::string Id() const;      // "shardId-000000000003"
};

struct KdsStream {
  int64_t id = 0;
  std::string name;
  std::string mode;  // PROVISIONED or ON_DEMAND
  int retention_hours = 24;
  int64_t created_ms = 0;
  std::vector<KdsShard> shards;

  // The shard whose range holds `key` (the ranges cover the whole key space).
  const KdsShard& ShardFor(HashKey key) const;
  const KdsShard* FindShard(std::string_view shard_id) const;
};

struct KdsRecordIn {
  std::string data;
  std::string partition_key;
  std::optional<HashKey> explicit_hash_key;
};

struct KdsPutResult {
  int shard_index = 0;
  int64_t sequence = 0;
};

struct KdsRecordOut {
  int64_t sequence = 0;
  std::string partition_key;
  std::string data;
  int64_t arrival_ms = 0;
  int shard_index = 0;  // filled by Recent
};

class KinesisStore {
 public:
  static StatusOr<std::unique_ptr<KinesisStore>> Open(Database& db, Clock& clock);

  Status CreateStream(const std::string& name, int shard_count, const std::string& mode);
  Status DeleteStream(const std::string& name);
  StatusOr<KdsStream> GetStream(const std::string& name);
  StatusOr<std::vector<KdsStream>> ListStreams();  // by name, without shards
  Status SetRetention(const std::string& name, int hours);

  // Appends the records in one transaction; results in the same order.
  StatusOr<std::vector<KdsPutResult>> Put(const KdsStream& stream,
                                          const std::vector<KdsRecordIn>& records);
  // Up to `limit` records of a shard with sequence > `after`, stopping early past `max_bytes`.
  StatusOr<std::vector<KdsRecordOut>> Read(int64_t stream_id, int shard_index, int64_t after,
                                           int limit, size_t max_bytes);
  // The newest `limit` records of the stream over all shards, newest first.
  StatusOr<std::vector<KdsRecordOut>> Recent(int64_t stream_id, int limit);
  // How many records the stream holds.
  StatusOr<int64_t> CountRecords(int64_t stream_id);
  // The highest sequence number stored in the shard, or 0.
  StatusOr<int64_t> LastSequence(int64_t stream_id, int shard_index) {
    return LastSequenceBefore(stream_id, shard_index, INT64_MAX);
  }
  // The highest sequence number in the shard that arrived before `unix_ms`, or 0.
  StatusOr<int64_t> LastSequenceBefore(int64_t stream_id, int shard_index, int64_t unix_ms);
  // Deletes records older than their stream's retention. Returns how many went.
  StatusOr<int64_t> TrimExpired();

 private:
  KinesisStore(Database& db, Clock& clock) : db_(db), clock_(clock) {}
  Database& db_;
  Clock& clock_;
};

// Sequence numbers as text: 56 digits like the service's ("49" then the counter, zero-padded),
// so they compare the same as text and as numbers.
std::string FormatSequenceNumber(int64_t sequence);
StatusOr<int64_t> ParseSequenceNumber(std::string_view text);

}  // namespace kedge::ingest
