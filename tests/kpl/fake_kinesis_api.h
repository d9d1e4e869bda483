#pragma once
// FakeKinesisApi: an in-memory Kinesis data stream for producer tests.
//
// Shards own contiguous hash-key ranges; PutRecords routes every entry by its explicit hash key
// (or MD5 of its partition key) exactly as the service does and stores it on that shard with a
// sequence number. Tests script failures: per-record throttling or internal failures, whole-
// request errors, and holding answers back to deliver them later (to test in-flight limits and
// asynchronous completion). Splitting a shard closes it and opens two children.
// Single-threaded, like the code it serves.

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "kpl/hash_key.h"
#include "kpl/kinesis_api.h"

namespace kedge::kpl::testing {

struct StoredRecord {
  std::string shard_id;
  std::string sequence_number;
  std::string partition_key;
  std::string explicit_hash_key;
  std::string data;
};

class FakeKinesisApi : public KinesisApi {
 public:
  // A stream of `shards` open shards splitting the hash-key space evenly.
  explicit FakeKinesisApi(int shards);

  void PutRecords(const std::string& stream, const std::vector<PutRecordsEntry>& entries,
                  Callback<PutRecordsResult> done) override;
  void ListShards(const std::string& stream, Callback<std::vector<Shard>> done) override;
  void DescribeStreamSummary(const std::string& stream, Callback<StreamSummary> done) override;
  void CreateStream(const std::string& stream, int shard_count, Callback<bool> done) override;
  void GetShardIterator(const std::string& stream, const std::string& shard_id,
                        const std::string& type, const std::string& sequence_number,
                        Callback<std::string> done) override;
  void GetRecords(const std::string& shard_iterator, int limit,
                  Callback<GetRecordsResult> done) override;

  // ---- scripting ----
  // The next PutRecords calls fail as a whole with these statuses, one per call.
  std::deque<Status> put_failures;
  // The next ListShards calls fail with these statuses, one per call.
  std::deque<Status> list_failures;
  // Per-record error code for the next entries, one per entry ("" = accept).
  std::deque<std::string> record_errors;
  // Entries whose routed shard is in this list are throttled (until removed).
  std::vector<std::string> throttled_shards;
  // When true, answers wait in `held` until Release is called.
  bool hold_puts = false;
  bool hold_lists = false;
  // Releases held answers (all, or the first n), in order.
  void ReleasePuts(size_t n = ~size_t{0});
  void ReleaseLists();
  size_t held_puts() const { return held_puts_.size(); }

  // Closes `shard_id` and opens two children that split its range in the middle.
  void Split(const std::string& shard_id);

  // ---- inspection ----
  const std::vector<StoredRecord>& stored() const { return stored_; }
  const std::vector<std::vector<PutRecordsEntry>>& put_calls() const { return put_calls_; }
  int list_calls() const { return list_calls_; }
  const std::vector<Shard>& shards() const { return shards_; }
  // The open shard whose range holds `key` ("" if none).
  std::string ShardFor(HashKey key) const;
  // True when shard `shard_id` (open or closed) covers `key`.
  bool Covers(const std::string& shard_id, HashKey key) const;

 private:
  PutRecordsResult Apply(const std::vector<PutRecordsEntry>& entries);

  std::vector<Shard> shards_;
  std::vector<StoredRecord> stored_;
  std::vector<std::vector<PutRecordsEntry>> put_calls_;
  std::deque<std::function<void()>> held_puts_;
  std::deque<std::function<void()>> held_lists_;
  int list_calls_ = 0;
  int next_shard_number_ = 0;
  uint64_t next_sequence_ = 1;
};

// Splits [0, 2^128-1] into n even ranges.
std::vector<Shard> EvenShards(int n, int first_number = 0);
std::string ShardName(int number);

}  // namespace kedge::kpl::testing
