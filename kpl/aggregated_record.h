#pragma once
// The KPL aggregated record format (docs/kpl_aggregation_format.md): magic F3 89 9A C2, the
// AggregatedRecord protobuf, and the MD5 of the protobuf bytes. Byte-compatible with the KPL,
// the KCL and the AWS de-aggregation libraries.
//
// AggregatedRecordBuilder encodes one aggregate; it keeps exact sizes as records are added so
// the caller can stop before a limit instead of trimming afterwards. It stores views only: the
// strings given to Add must stay alive and unchanged until Clear or destruction.
// The decoders are for tests, consumers and kedge-ingest. All of it is pure; any one thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/status.h"

namespace kedge::kpl {

inline constexpr char kAggregatedMagic[4] = {'\xF3', '\x89', '\x9A', '\xC2'};
inline constexpr size_t kAggregatedFixedOverhead = 4 + 16;  // magic + MD5
// The outer partition key of an aggregate; the outer explicit hash key picks the shard.
inline constexpr std::string_view kAggregatePartitionKey = "a";

class AggregatedRecordBuilder {
 public:
  // Adds one user record. explicit_hash_key is the decimal key, or empty for none.
  void Add(std::string_view partition_key, std::string_view explicit_hash_key,
           std::string_view data) {
    TryAdd(partition_key, explicit_hash_key, data, ~size_t{0});
  }
  // Adds the record unless the builder already holds records and Size() would then exceed
  // `size_limit`; one key lookup either way (the hot path of aggregation).
  bool TryAdd(std::string_view partition_key, std::string_view explicit_hash_key,
              std::string_view data, size_t size_limit);
  // The outer record size (outer partition key + magic + protobuf + MD5) after adding this
  // record; does not change the builder.
  size_t SizeWith(std::string_view partition_key, std::string_view explicit_hash_key,
                  size_t data_size) const;
  // The outer record size now, counted as SizeWith counts it.
  size_t Size() const { return kAggregatePartitionKey.size() + kAggregatedFixedOverhead + proto_size_; }
  size_t count() const { return records_.size(); }

  // Magic + AggregatedRecord + MD5, even for a single record (callers send one record plain).
  std::string Serialize() const;
  void Clear();

 private:
  struct Entry {
    uint32_t pk_index;
    int64_t ehk_index;  // -1: none
    std::string_view data;
  };
  static size_t RecordBodySize(size_t pk_index, int64_t ehk_index, size_t data_size);
  // Where a key is (or would go) in its table, and whether it is new.
  struct Slot {
    size_t index;
    bool is_new;
  };
  static Slot Find(const std::unordered_map<std::string_view, uint32_t>& index,
                   std::string_view key, size_t table_size);
  // The growth of the message if a record with these keys were added.
  static size_t Growth(std::string_view pk, Slot pk_slot, std::string_view ehk, Slot ehk_slot,
                       size_t data_size);

  std::vector<std::string_view> pk_table_;
  std::vector<std::string_view> ehk_table_;
  std::unordered_map<std::string_view, uint32_t> pk_index_;
  std::unordered_map<std::string_view, uint32_t> ehk_index_;
  std::vector<Entry> records_;
  size_t proto_size_ = 0;  // exact serialized size of the AggregatedRecord message
};

// One user record read back from a Kinesis record.
struct DecodedUserRecord {
  std::string partition_key;
  std::string explicit_hash_key;  // empty when the record had none
  std::string data;
};

// True when `data` starts with the magic and is long enough to hold a checksum.
bool IsAggregated(std::string_view data);

// Strict decoder: DataLoss when the magic, the checksum or the protobuf is wrong, or a key
// index points outside its table.
StatusOr<std::vector<DecodedUserRecord>> DecodeAggregated(std::string_view data);

// What the KCL does: an aggregate yields its user records; anything else (no magic, bad
// checksum, bad protobuf) is one plain record with the outer keys.
std::vector<DecodedUserRecord> Deaggregate(std::string_view data, std::string_view partition_key,
                                           std::string_view explicit_hash_key);

}  // namespace kedge::kpl
