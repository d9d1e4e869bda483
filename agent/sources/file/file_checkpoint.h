#pragma once
// The file tail's checkpoint: which file (device, inode, and a fingerprint of its first bytes,
// so a reused inode is not mistaken for the old file) and how far it has been read. Serialized
// as a small JSON object (docs/file_tail.md); the spool stores it as an opaque blob keyed by
// "<device>:<inode>". Pure.

#include <cstdint>
#include <optional>
#include <string>

namespace kedge::agent {

// Hash of a file's first bytes (up to kFingerprintBytes). `length` says how many were hashed,
// so a file that was short when first seen can be compared on the same prefix.
struct Fingerprint {
  static constexpr uint32_t kFingerprintBytes = 256;
  uint32_t length = 0;
  uint64_t hash = 0;  // FNV-1a 64 of those bytes
  bool operator==(const Fingerprint& o) const { return length == o.length && hash == o.hash; }
  bool operator!=(const Fingerprint& o) const { return !(*this == o); }
  bool complete() const { return length == kFingerprintBytes; }
};

uint64_t Fnv1a64(const char* data, size_t size);

struct FileCheckpoint {
  uint64_t device = 0;
  uint64_t inode = 0;
  Fingerprint fingerprint;
  uint64_t offset = 0;  // bytes of the file already in accepted records
  std::string path;     // the name it last had (informational, and to look for it after a rename)

  std::string Key() const;
  std::string Serialize() const;
  // nullopt when the blob is not a checkpoint this version understands.
  static std::optional<FileCheckpoint> Parse(const std::string& blob);
};

std::string FileKey(uint64_t device, uint64_t inode);

}  // namespace kedge::agent
