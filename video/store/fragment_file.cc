// The fragment file format (docs/fragment_store.md): the name carries the metadata, so recovery
// lists the directory without reading fragment bytes; the contents carry a checksum, so a torn
// or corrupt file is detected when it is read.

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "platform/crypto.h"
#include "video/store/fragment_store.h"

namespace kedge::video::fragment_file {
namespace {

constexpr uint8_t kVersion = 1;
constexpr std::string_view kSuffix = ".kvf";

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t next = v * 10 + uint64_t(c - '0');
    if (next / 10 != v) return false;  // overflow
    v = next;
  }
  *out = v;
  return true;
}

}  // namespace

std::string Name(const FragmentMeta& meta) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%020" PRIu64 "-%" PRId64 "-%" PRId64 "-%s%s", meta.seq,
                meta.timecode_ms, meta.duration_ms, meta.key ? "k" : "d",
                meta.session_start ? "s" : "");
  return std::string(buf) + std::string(kSuffix);
}

std::optional<FragmentMeta> ParseName(std::string_view name) {
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  name.remove_suffix(kSuffix.size());
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    size_t dash = name.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    parts[i] = name.substr(0, dash);
    name.remove_prefix(dash + 1);
  }
  parts[3] = name;
  FragmentMeta meta;
  uint64_t timecode = 0, duration = 0;
  if (parts[0].size() != 20 || !ParseUint(parts[0], &meta.seq) || !ParseUint(parts[1], &timecode) ||
      !ParseUint(parts[2], &duration) || timecode > uint64_t(INT64_MAX) ||
      duration > uint64_t(INT64_MAX)) {
    return std::nullopt;
  }
  meta.timecode_ms = int64_t(timecode);
  meta.duration_ms = int64_t(duration);
  if (parts[3] == "k" || parts[3] == "ks") {
    meta.key = true;
  } else if (parts[3] == "d" || parts[3] == "ds") {
    meta.key = false;
  } else {
    return std::nullopt;
  }
  meta.session_start = parts[3].size() == 2;
  return meta;
}

std::string Encode(std::string_view first, std::string_view second) {
  const uint64_t size = first.size() + second.size();
  std::string out;
  out.reserve(kHeaderSize + size);
  out.resize(kHeaderSize, '\0');
  std::memcpy(out.data(), kMagic, 4);
  out[4] = char(kVersion);
  for (int i = 0; i < 8; ++i) out[8 + i] = char((size >> (8 * i)) & 0xff);
  out.append(first);
  out.append(second);
  Md5Digest digest = Md5(std::string_view(out).substr(kHeaderSize));
  std::memcpy(out.data() + 16, digest.data(), digest.size());
  return out;
}

StatusOr<std::string> Decode(std::string contents) {
  if (contents.size() < kHeaderSize) return DataLossError("fragment file is torn (short header)");
  if (std::memcmp(contents.data(), kMagic, 4) != 0) {
    return DataLossError("not a fragment file (bad magic)");
  }
  if (uint8_t(contents[4]) != kVersion) {
    return DataLossError("fragment file version " + std::to_string(uint8_t(contents[4])) +
                         " is not supported");
  }
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= uint64_t(uint8_t(contents[8 + i])) << (8 * i);
  if (size != contents.size() - kHeaderSize) {
    return DataLossError("fragment file is torn (" + std::to_string(contents.size() - kHeaderSize) +
                         " of " + std::to_string(size) + " bytes)");
  }
  Md5Digest digest;
  std::memcpy(digest.data(), contents.data() + 16, digest.size());
  contents.erase(0, kHeaderSize);
  if (Md5(contents) != digest) return DataLossError("fragment file is corrupt (checksum)");
  return contents;
}

}  // namespace kedge::video::fragment_file
