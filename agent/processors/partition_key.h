#pragma once
// PartitionKeyer: the partition key for each record of a source, from its config:
//   random         a random decimal number per record (the Kinesis Agent's RANDOM): spreads
//                  records evenly over the shards
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

#include "agent/config/config.h"
#include "agent/sources/source.h"

namespace kedge::agent {

class PartitionKeyer {
 public:
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
};

}  // namespace kedge::agent
