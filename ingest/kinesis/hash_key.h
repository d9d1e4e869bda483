#pragma once
// HashKey: the 128-bit unsigned hash keys of Kinesis Data Streams (0 .. 2^128-1), with the
// arithmetic kedge-ingest needs, on two uint64 (no __int128: 32-bit ARM must build).
// Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/status.h"

namespace kedge::ingest {

struct HashKey {
  uint64_t hi = 0;
  uint64_t lo = 0;

  static HashKey Max() { return {~uint64_t{0}, ~uint64_t{0}}; }
  // MD5(partition_key) read as a big-endian integer, as the service routes records.
  static HashKey FromPartitionKey(std::string_view partition_key);
  // A decimal string 0 .. 2^128-1 without sign or leading zeros ("0" itself is fine).
  static StatusOr<HashKey> Parse(std::string_view decimal);

  std::string ToDecimal() const;
};

inline bool operator==(HashKey a, HashKey b) { return a.hi == b.hi && a.lo == b.lo; }
inline bool operator<(HashKey a, HashKey b) { return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo; }
inline bool operator<=(HashKey a, HashKey b) { return !(b < a); }

// The hash-key ranges [start, end] (inclusive) of `shards` shards splitting the key space
// evenly, as CreateStream does: shard i starts at i * floor(2^128 / n); the last ends at 2^128-1.
std::vector<std::pair<HashKey, HashKey>> SplitHashKeySpace(int shards);

}  // namespace kedge::ingest
