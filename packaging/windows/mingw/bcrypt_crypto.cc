// platform/crypto.h for the mingw build of the Windows core, over Windows CNG (bcrypt) and
// CryptoAPI's string encoders: Debian has no OpenSSL for mingw. The native Windows build uses
// platform/crypto.cc with OpenSSL from vcpkg, as every other build does.

// windows.h first: bcrypt.h and wincrypt.h use its types (kept in a block of its own so that
// include sorting cannot move it).
#include <windows.h>

#include <bcrypt.h>
#include <wincrypt.h>

#include "platform/crypto.h"

namespace kedge {
namespace {

// One digest with CNG; `key` non-empty makes it an HMAC. The output size is the digest's.
template <size_t N>
std::array<uint8_t, N> Digest(LPCWSTR algorithm, std::string_view key, std::string_view data) {
  std::array<uint8_t, N> out{};
  BCRYPT_ALG_HANDLE alg = nullptr;
  ULONG flags = key.empty() ? 0 : BCRYPT_ALG_HANDLE_HMAC_FLAG;
  if (BCryptOpenAlgorithmProvider(&alg, algorithm, nullptr, flags) != 0) return out;
  BCRYPT_HASH_HANDLE hash = nullptr;
  if (BCryptCreateHash(alg, &hash, nullptr, 0,
                       reinterpret_cast<PUCHAR>(const_cast<char*>(key.data())),
                       static_cast<ULONG>(key.size()), 0) == 0) {
    BCryptHashData(hash, reinterpret_cast<PUCHAR>(const_cast<char*>(data.data())),
                   static_cast<ULONG>(data.size()), 0);
    BCryptFinishHash(hash, out.data(), static_cast<ULONG>(out.size()), 0);
    BCryptDestroyHash(hash);
  }
  BCryptCloseAlgorithmProvider(alg, 0);
  return out;
}

std::string BinaryToString(const BYTE* data, size_t size, DWORD format) {
  if (size == 0) return std::string();
  DWORD flags = format | CRYPT_STRING_NOCRLF;
  DWORD len = 0;
  CryptBinaryToStringA(data, static_cast<DWORD>(size), flags, nullptr, &len);
  std::string out(len, '\0');
  CryptBinaryToStringA(data, static_cast<DWORD>(size), flags, out.data(), &len);
  out.resize(len);
  return out;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) { return Digest<32>(BCRYPT_SHA256_ALGORITHM, {}, data); }

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  // CNG refuses an empty HMAC key; HMAC pads keys with zeros, so one zero byte is the same.
  static const char kZero = '\0';
  return Digest<32>(BCRYPT_SHA256_ALGORITHM, key.empty() ? std::string_view(&kZero, 1) : key, data);
}

Md5Digest Md5(std::string_view data) { return Digest<16>(BCRYPT_MD5_ALGORITHM, {}, data); }

std::string HexEncode(const uint8_t* data, size_t size) {
  return BinaryToString(data, size, CRYPT_STRING_HEXRAW);
}

std::string Base64Encode(std::string_view data) {
  return BinaryToString(reinterpret_cast<const BYTE*>(data.data()), data.size(),
                        CRYPT_STRING_BASE64);
}

StatusOr<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return InvalidArgumentError("base64: length is not a multiple of 4");
  if (text.empty()) return std::string();
  DWORD len = 0;
  if (!CryptStringToBinaryA(text.data(), static_cast<DWORD>(text.size()), CRYPT_STRING_BASE64,
                            nullptr, &len, nullptr, nullptr)) {
    return InvalidArgumentError("base64: invalid character");
  }
  std::string out(len, '\0');
  CryptStringToBinaryA(text.data(), static_cast<DWORD>(text.size()), CRYPT_STRING_BASE64,
                       reinterpret_cast<BYTE*>(out.data()), &len, nullptr, nullptr);
  out.resize(len);
  return out;
}

}  // namespace kedge
