#include "agent/processors/partition_key.h"

#include <nlohmann/json.hpp>

#include "platform/crypto.h"

namespace kedge::agent {
namespace {

constexpr size_t kMaxKeyLength = 256;

StatusOr<std::string> Checked(std::string key, const std::string& what) {
  if (key.empty())
    return InvalidArgumentError(what + " is empty; a partition key needs 1 to 256 characters");
  if (key.size() > kMaxKeyLength) {
    // Kinesis counts Unicode characters; counting bytes is stricter and cheap.
    return InvalidArgumentError(what + " is longer than 256 characters");
  }
  return key;
}

}  // namespace

PartitionKeyer::PartitionKeyer(PartitionKeyMode mode, std::string key_or_field, uint64_t seed)
    : mode_(mode), key_or_field_(std::move(key_or_field)), rng_(seed) {
  if (mode_ != PartitionKeyMode::kRandom) return;
  random_keys_.reserve(kRandomKeys);
  for (size_t i = 0; i < kRandomKeys; ++i) {
    random_keys_.push_back(std::to_string(rng_() % 1000000000000ull));
  }
}

StatusOr<std::string> PartitionKeyer::KeyFor(const SourceRecord& record) {
  switch (mode_) {
    case PartitionKeyMode::kRandom:
      return random_keys_[rng_() % kRandomKeys];
    case PartitionKeyMode::kDeterministic:
      return HexEncode(Md5(record.data));
    case PartitionKeyMode::kTopic:
      return Checked(record.origin, "the topic");
    case PartitionKeyMode::kFixed:
      return key_or_field_;
    case PartitionKeyMode::kField: {
      nlohmann::json j = nlohmann::json::parse(record.data, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object()) {
        return NotFoundError("the record is not a JSON object, so it has no field '" +
                             key_or_field_ + "'");
      }
      auto it = j.find(key_or_field_);
      if (it == j.end() || it->is_null()) {
        return NotFoundError("the record has no field '" + key_or_field_ + "'");
      }
      if (it->is_object() || it->is_array()) {
        return InvalidArgumentError("field '" + key_or_field_ + "' is not a single value");
      }
      std::string value = it->is_string() ? it->get<std::string>() : it->dump();
      return Checked(std::move(value), "field '" + key_or_field_ + "'");
    }
  }
  return InternalError("unknown partition key mode");
}

}  // namespace kedge::agent
