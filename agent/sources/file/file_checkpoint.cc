#include "agent/sources/file/file_checkpoint.h"

#include <nlohmann/json.hpp>

namespace kedge::agent {

uint64_t Fnv1a64(const char* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

std::string FileKey(uint64_t device, uint64_t inode) {
  return std::to_string(device) + ":" + std::to_string(inode);
}

std::string FileCheckpoint::Key() const { return FileKey(device, inode); }

std::string FileCheckpoint::Serialize() const {
  nlohmann::json j = {{"v", 1},
                      {"dev", device},
                      {"ino", inode},
                      {"fpl", fingerprint.length},
                      {"fp", fingerprint.hash},
                      {"off", offset},
                      {"path", path}};
  // Paths are bytes, not necessarily UTF-8: replace rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<FileCheckpoint> FileCheckpoint::Parse(const std::string& blob) {
  nlohmann::json j = nlohmann::json::parse(blob, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto number = [&](const char* key, uint64_t* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return false;
    *out = it->get<uint64_t>();
    return true;
  };
  uint64_t version = 0, fpl = 0;
  FileCheckpoint c;
  if (!number("v", &version) || version != 1 || !number("dev", &c.device) ||
      !number("ino", &c.inode) || !number("fpl", &fpl) || !number("fp", &c.fingerprint.hash) ||
      !number("off", &c.offset) || fpl > Fingerprint::kFingerprintBytes) {
    return std::nullopt;
  }
  c.fingerprint.length = static_cast<uint32_t>(fpl);
  auto path = j.find("path");
  if (path != j.end() && path->is_string()) c.path = path->get<std::string>();
  return c;
}

}  // namespace kedge::agent
