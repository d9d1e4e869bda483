#include "ingest/kinesis/hash_key.h"

#include <algorithm>
#include <array>

#include "platform/crypto.h"

namespace kedge::ingest {
namespace {

// Four 32-bit limbs, most significant first, so products fit in uint64.
using Limbs = std::array<uint32_t, 4>;

Limbs ToLimbs(HashKey k) {
  return {static_cast<uint32_t>(k.hi >> 32), static_cast<uint32_t>(k.hi),
          static_cast<uint32_t>(k.lo >> 32), static_cast<uint32_t>(k.lo)};
}

HashKey FromLimbs(const Limbs& l) {
  return {(uint64_t{l[0]} << 32) | l[1], (uint64_t{l[2]} << 32) | l[3]};
}

// value = value / divisor; returns the remainder.
uint32_t DivMod(Limbs* value, uint32_t divisor) {
  uint64_t rem = 0;
  for (uint32_t& limb : *value) {
    uint64_t cur = (rem << 32) | limb;
    limb = static_cast<uint32_t>(cur / divisor);
    rem = cur % divisor;
  }
  return static_cast<uint32_t>(rem);
}

// value = value * factor + addend; false on overflow past 128 bits.
bool MulAdd(Limbs* value, uint32_t factor, uint32_t addend) {
  uint64_t carry = addend;
  for (int i = 3; i >= 0; --i) {
    uint64_t cur = uint64_t{(*value)[i]} * factor + carry;
    (*value)[i] = static_cast<uint32_t>(cur);
    carry = cur >> 32;
  }
  return carry == 0;
}

HashKey Decrement(HashKey k) {
  if (k.lo == 0) --k.hi;
  --k.lo;
  return k;
}

}  // namespace

HashKey HashKey::FromPartitionKey(std::string_view partition_key) {
  Md5Digest digest = Md5(partition_key);
  HashKey key;
  for (int i = 0; i < 8; ++i) key.hi = (key.hi << 8) | digest[i];
  for (int i = 8; i < 16; ++i) key.lo = (key.lo << 8) | digest[i];
  return key;
}

StatusOr<HashKey> HashKey::Parse(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 39 || (decimal.size() > 1 && decimal[0] == '0')) {
    return InvalidArgumentError("hash key '" + std::string(decimal) +
                                "' is not a decimal number between 0 and 2^128-1");
  }
  Limbs limbs{};
  for (char c : decimal) {
    if (c < '0' || c > '9' || !MulAdd(&limbs, 10, static_cast<uint32_t>(c - '0'))) {
      return InvalidArgumentError("hash key '" + std::string(decimal) +
                                  "' is not a decimal number between 0 and 2^128-1");
    }
  }
  return FromLimbs(limbs);
}

std::string HashKey::ToDecimal() const {
  Limbs limbs = ToLimbs(*this);
  std::string out;
  do {
    out.push_back(static_cast<char>('0' + DivMod(&limbs, 10)));
  } while (limbs != Limbs{});
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::pair<HashKey, HashKey>> SplitHashKeySpace(int shards) {
  std::vector<std::pair<HashKey, HashKey>> ranges;
  if (shards <= 0) return ranges;
  // floor(2^128 / n) = floor((2^128 - 1) / n), plus one when (2^128 - 1) % n == n - 1.
  Limbs step = ToLimbs(HashKey::Max());
  uint32_t n = static_cast<uint32_t>(shards);
  if (DivMod(&step, n) == n - 1) MulAdd(&step, 1, 1);
  for (uint32_t i = 0; i < n; ++i) {
    Limbs start = step;
    MulAdd(&start, i, 0);
    HashKey end = HashKey::Max();
    if (i + 1 < n) {
      Limbs next = step;
      MulAdd(&next, i + 1, 0);
      end = Decrement(FromLimbs(next));
    }
    ranges.emplace_back(FromLimbs(start), end);
  }
  return ranges;
}

}  // namespace kedge::ingest
