#pragma once
// Hashes, MACs and encodings kedge needs, on OpenSSL's EVP interface. Pure functions.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge {

using Sha256Digest = std::array<uint8_t, 32>;
using Md5Digest = std::array<uint8_t, 16>;

Sha256Digest Sha256(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
Md5Digest Md5(std::string_view data);

// Lower-case hex.
std::string HexEncode(const uint8_t* data, size_t size);
template <size_t N>
std::string HexEncode(const std::array<uint8_t, N>& bytes) {
  return HexEncode(bytes.data(), N);
}
inline std::string HexEncode(std::string_view bytes) {
  return HexEncode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}
inline std::string_view AsStringView(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// Standard base64 with padding.
std::string Base64Encode(std::string_view data);
StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace kedge
