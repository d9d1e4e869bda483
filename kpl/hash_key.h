#pragma once
// HashKey: the unsigned 128-bit number Kinesis maps a record to a shard with.
//
// Kept as two uint64 halves (no __int128, so 32-bit ARM builds). A record's hash key is
// MD5(partition key) read as a big-endian number, or the explicit hash key the caller gave as a
// decimal string "0".."340282366920938463463374607431768211455". Pure value type; any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/status.h"

namespace kedge::kpl {

struct HashKey {
  uint64_t hi = 0;
  uint64_t lo = 0;

  static constexpr HashKey Max() { return HashKey{~uint64_t{0}, ~uint64_t{0}}; }

  // MD5 of the partition key's bytes, big-endian.
  static HashKey FromPartitionKey(std::string_view partition_key);
  // Parses a decimal string: digits only, no sign, no leading zeros (except "0" itself), at most
  // 2^128-1. InvalidArgument otherwise, naming the input.
  static StatusOr<HashKey> FromDecimal(std::string_view text);
  // The 16 bytes, big-endian (the order MD5 produces them in).
  static HashKey FromBigEndian(const uint8_t bytes[16]);

  // Decimal, as ExplicitHashKey and the aggregated record's key table want it.
  std::string ToDecimal() const;
};

inline bool operator==(HashKey a, HashKey b) { return a.hi == b.hi && a.lo == b.lo; }
inline bool operator!=(HashKey a, HashKey b) { return !(a == b); }
inline bool operator<(HashKey a, HashKey b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }
inline bool operator<=(HashKey a, HashKey b) { return !(b < a); }
inline bool operator>(HashKey a, HashKey b) { return b < a; }
inline bool operator>=(HashKey a, HashKey b) { return !(a < b); }

// The hash-key ranges [start, end] (inclusive) of `shards` shards splitting the key space evenly,
// as CreateStream does: shard i starts at i * floor(2^128 / n); the last ends at 2^128-1. Empty
// for shards <= 0.
std::vector<std::pair<HashKey, HashKey>> SplitHashKeySpace(int shards);

}  // namespace kedge::kpl

#include <unordered_map>

namespace kedge::kpl {

// Computes partition keys' hash keys, remembering up to `capacity` of them (0: no cache): a
// producer sees the same few keys over and over, and MD5 is the costliest step per record.
// When full it forgets everything and starts again, which keeps it bounded and simple.
class PartitionKeyHasher {
 public:
  explicit PartitionKeyHasher(size_t capacity) : capacity_(capacity) {}
  HashKey Hash(const std::string& partition_key);

 private:
  size_t capacity_;
  std::unordered_map<std::string, HashKey> cache_;
};

}  // namespace kedge::kpl
