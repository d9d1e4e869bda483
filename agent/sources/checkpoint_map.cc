#include "agent/sources/checkpoint_map.h"

#include <nlohmann/json.hpp>

namespace kedge::agent {

StatusOr<CheckpointMap> CheckpointMap::Parse(const std::string& value) {
  CheckpointMap map;
  if (value.empty()) return map;
  nlohmann::json j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  auto keys = j.is_object() ? j.find("keys") : j.end();
  if (!j.is_object() || j.value("v", 0) != 1 || keys == j.end() || !keys->is_object()) {
    return DataLossError("not a kedge checkpoint set: " + value.substr(0, 80));
  }
  for (auto it = keys->begin(); it != keys->end(); ++it) {
    if (it->is_string() && !it->get<std::string>().empty()) {
      map.entries_[it.key()] = it->get<std::string>();
    }
  }
  return map;
}

void CheckpointMap::Apply(const std::vector<Checkpoint>& updates) {
  for (const Checkpoint& c : updates) {
    if (c.blob.empty()) entries_.erase(c.key);
    else entries_[c.key] = c.blob;
  }
}

std::string CheckpointMap::Serialize() const {
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [k, v] : entries_) keys[k] = v;
  nlohmann::json j = {{"v", 1}, {"keys", keys}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<Checkpoint> CheckpointMap::ToVector() const {
  std::vector<Checkpoint> out;
  for (const auto& [k, v] : entries_) out.push_back({k, v});
  return out;
}

}  // namespace kedge::agent
