#include "kpl/hash_key.h"

#include <algorithm>

#include "platform/crypto.h"

namespace kedge::kpl {
namespace {

constexpr size_t kMaxDigits = 39;  // 2^128-1 has 39 digits

// a = a * mul + add; returns false on overflow past 128 bits.
bool MulAdd(HashKey* a, uint32_t mul, uint32_t add) {
  // Four 32-bit limbs, most significant first, so no 128-bit type is needed.
  uint32_t limbs[4] = {static_cast<uint32_t>(a->hi >> 32), static_cast<uint32_t>(a->hi),
                       static_cast<uint32_t>(a->lo >> 32), static_cast<uint32_t>(a->lo)};
  uint64_t carry = add;
  for (int i = 3; i >= 0; --i) {
    uint64_t v = static_cast<uint64_t>(limbs[i]) * mul + carry;
    limbs[i] = static_cast<uint32_t>(v);
    carry = v >> 32;
  }
  if (carry != 0) return false;
  a->hi = (static_cast<uint64_t>(limbs[0]) << 32) | limbs[1];
  a->lo = (static_cast<uint64_t>(limbs[2]) << 32) | limbs[3];
  return true;
}

// a = a / div; returns the remainder. div < 2^32.
uint64_t DivMod(HashKey* a, uint32_t div) {
  uint32_t limbs[4] = {static_cast<uint32_t>(a->hi >> 32), static_cast<uint32_t>(a->hi),
                       static_cast<uint32_t>(a->lo >> 32), static_cast<uint32_t>(a->lo)};
  uint64_t rem = 0;
  for (int i = 0; i < 4; ++i) {
    uint64_t cur = (rem << 32) | limbs[i];
    limbs[i] = static_cast<uint32_t>(cur / div);
    rem = cur % div;
  }
  a->hi = (static_cast<uint64_t>(limbs[0]) << 32) | limbs[1];
  a->lo = (static_cast<uint64_t>(limbs[2]) << 32) | limbs[3];
  return rem;
}

}  // namespace

HashKey HashKey::FromBigEndian(const uint8_t bytes[16]) {
  HashKey k;
  for (int i = 0; i < 8; ++i) k.hi = (k.hi << 8) | bytes[i];
  for (int i = 8; i < 16; ++i) k.lo = (k.lo << 8) | bytes[i];
  return k;
}

HashKey HashKey::FromPartitionKey(std::string_view partition_key) {
  Md5Digest d = Md5(partition_key);
  return FromBigEndian(d.data());
}

StatusOr<HashKey> HashKey::FromDecimal(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("explicit hash key \"" + std::string(text.substr(0, 64)) +
                                "\" " + std::string(why) +
                                " (want a decimal number from 0 to 2^128-1)");
  };
  if (text.empty()) return bad("is empty");
  if (text.size() > kMaxDigits) return bad("has too many digits");
  if (text.size() > 1 && text[0] == '0') return bad("has a leading zero");
  HashKey k;
  for (char c : text) {
    if (c < '0' || c > '9') return bad("is not a decimal number");
    if (!MulAdd(&k, 10, static_cast<uint32_t>(c - '0'))) return bad("is larger than 2^128-1");
  }
  return k;
}

std::string HashKey::ToDecimal() const {
  if (hi == 0) return std::to_string(lo);
  // Peel off 9-digit chunks, least significant first; every chunk but the top one is
  // zero-padded to 9 digits.
  HashKey v = *this;
  std::string out;
  while (v.hi != 0 || v.lo != 0) {
    uint64_t rem = DivMod(&v, 1000000000u);
    bool last = v.hi == 0 && v.lo == 0;
    for (int i = 0; i < 9; ++i) {
      if (last && rem == 0) break;
      out.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::pair<HashKey, HashKey>> SplitHashKeySpace(int shards) {
  std::vector<std::pair<HashKey, HashKey>> ranges;
  if (shards <= 0) return ranges;
  auto n = static_cast<uint32_t>(shards);
  // floor(2^128 / n) = floor((2^128 - 1) / n), plus one when (2^128 - 1) % n == n - 1 (for
  // n = 1 that would be 2^128: MulAdd refuses, and the single range is [0, 2^128-1] anyway).
  HashKey step = HashKey::Max();
  if (DivMod(&step, n) == n - 1) MulAdd(&step, 1, 1);
  for (uint32_t i = 0; i < n; ++i) {
    HashKey start = step;
    MulAdd(&start, i, 0);
    HashKey end = HashKey::Max();
    if (i + 1 < n) {
      end = step;
      MulAdd(&end, i + 1, 0);
      if (end.lo-- == 0) --end.hi;  // the next start, minus one
    }
    ranges.emplace_back(start, end);
  }
  return ranges;
}

}  // namespace kedge::kpl

namespace kedge::kpl {

HashKey PartitionKeyHasher::Hash(const std::string& partition_key) {
  if (capacity_ == 0) return HashKey::FromPartitionKey(partition_key);
  auto it = cache_.find(partition_key);
  if (it != cache_.end()) return it->second;
  if (cache_.size() >= capacity_) cache_.clear();
  HashKey k = HashKey::FromPartitionKey(partition_key);
  cache_.emplace(partition_key, k);
  return k;
}

}  // namespace kedge::kpl
