#pragma once
// PartitionKeyer: the partition key for each record of a source, from its config:
//   random         one of kRandomKeys random decimal numbers drawn at start-up, picked at
//                  random per record (the Kinesis Agent's RANDOM): spreads records evenly over
//                  the shards (thousands of them), while the producer's hash-key cache and KPL
//                  aggregates' key tables stay small (a fresh key per record cost an MD5 each)
//   deterministic  the MD5 hex of the data (the Kinesis Agent's DETERMINISTIC)
//   topic          the record's origin (its MQTT topic)
//   fixed          the configured key
//   field          the value of a top-level JSON field (strings as-is, numbers and booleans as
//                  written); NotFound when the record is not JSON or lacks the field, so the
//                  caller can set it aside and count it
// Keys are 1 to 256 characters (Kinesis' limit); a longer value is InvalidArgument.
// One per source, used on the input thread.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/sources/source.h"

namespace kedge::agent {

class PartitionKeyer {
 public:
  // Within kpl::ProducerConfig::hash_key_cache_size (4096), so every key's MD5 is remembered.
  static constexpr size_t kRandomKeys = 4096;
  // `seed` feeds the random mode (tests pass a fixed one; the agent a random_device value).
  PartitionKeyer(PartitionKeyMode mode, std::string key_or_field, uint64_t seed);
  static PartitionKeyer ForSource(const SourceConfig& config, uint64_t seed) {
    return PartitionKeyer(config.partition_key_mode, config.partition_key, seed);
  }

  StatusOr<std::string> KeyFor(const SourceRecord& record);

 private:
  PartitionKeyMode mode_;
  std::string key_or_field_;
  std::mt19937_64 rng_;
  std::vector<std::string> random_keys_;  // kRandom only
};

}  // namespace kedge::agent
