#include "kpl/hash_key.h"

#include <gtest/gtest.h>

#include <random>

namespace kedge::kpl {
namespace {

TEST(HashKeyTest, ParsesTheLargestKey) {
  auto k = HashKey::FromDecimal("340282366920938463463374607431768211455");  // 2^128-1
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(*k, HashKey::Max());
  EXPECT_EQ(HashKey::Max().ToDecimal(), "340282366920938463463374607431768211455");
}

TEST(HashKeyTest, CarriesIntoTheHighHalf) {
  auto k = HashKey::FromDecimal("18446744073709551616");  // 2^64
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->hi, 1u);
  EXPECT_EQ(k->lo, 0u);
  EXPECT_EQ(k->ToDecimal(), "18446744073709551616");
  EXPECT_EQ((HashKey{0, 0}).ToDecimal(), "0");
  EXPECT_EQ((HashKey{0, 1000000000}).ToDecimal(), "1000000000");
}

TEST(HashKeyTest, RefusesWhatTheServiceRefuses) {
  for (const char* bad : {"", "340282366920938463463374607431768211456", "0123", "-1", "+1",
                          "12a", "1 ", "3402823669209384634633746074317682114550"}) {
    auto k = HashKey::FromDecimal(bad);
    EXPECT_FALSE(k.ok()) << bad;
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HashKeyTest, DecimalRoundTripsRandomKeys) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    HashKey k{rng() >> (i % 64), rng() >> (i % 3 * 20)};
    auto back = HashKey::FromDecimal(k.ToDecimal());
    ASSERT_TRUE(back.ok()) << k.ToDecimal();
    EXPECT_EQ(*back, k) << k.ToDecimal();
  }
}

TEST(HashKeyTest, PartitionKeyHashIsBigEndianMd5) {
  // RFC 1321 test vectors, read as unsigned big-endian numbers (Python int(md5, 16)).
  HashKey empty = HashKey::FromPartitionKey("");
  EXPECT_EQ(empty.hi, 0xd41d8cd98f00b204ull);
  EXPECT_EQ(empty.lo, 0xe9800998ecf8427eull);
  EXPECT_EQ(empty.ToDecimal(), "281949768489412648962353822266799178366");
  EXPECT_EQ(HashKey::FromPartitionKey("abc").ToDecimal(),
            "191415658344158766168031473277922803570");
}

TEST(HashKeyTest, OrdersAsUnsigned128BitNumbers) {
  EXPECT_LT((HashKey{0, ~uint64_t{0}}), (HashKey{1, 0}));
  EXPECT_LT((HashKey{1, 5}), (HashKey{1, 6}));
  EXPECT_GE(HashKey::Max(), (HashKey{~uint64_t{0}, 0}));
}

TEST(HashKeyTest, SplitsLikeTheServiceForTwoAndThreeShards) {
  auto two = SplitHashKeySpace(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].second.ToDecimal(), "170141183460469231731687303715884105727");
  EXPECT_EQ(two[1].first.ToDecimal(), "170141183460469231731687303715884105728");
  auto three = SplitHashKeySpace(3);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[0].second.ToDecimal(), "113427455640312821154458202477256070484");
  EXPECT_EQ(three[1].first.ToDecimal(), "113427455640312821154458202477256070485");
  EXPECT_EQ(three[2].second, HashKey::Max());
  EXPECT_TRUE(SplitHashKeySpace(0).empty());
}

TEST(HashKeyTest, SplitRangesAreContiguousAndCoverTheSpace) {
  for (int n : {1, 2, 4, 7, 64, 1000}) {
    auto ranges = SplitHashKeySpace(n);
    ASSERT_EQ(static_cast<int>(ranges.size()), n);
    EXPECT_EQ(ranges.front().first, HashKey{});
    EXPECT_EQ(ranges.back().second, HashKey::Max());
    for (int i = 1; i < n; ++i) {
      HashKey next = ranges[i - 1].second;
      if (++next.lo == 0) ++next.hi;
      EXPECT_EQ(ranges[i].first, next) << "n=" << n << " i=" << i;
      EXPECT_LT(ranges[i].first, ranges[i].second) << "n=" << n << " i=" << i;
    }
  }
}

TEST(PartitionKeyHasherTest, CachedHashesEqualFreshOnesAndStayBounded) {
  PartitionKeyHasher cached(3);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      std::string pk = "key-" + std::to_string(i % 4);
      EXPECT_EQ(cached.Hash(pk), HashKey::FromPartitionKey(pk)) << pk;
    }
  }
  PartitionKeyHasher uncached(0);
  EXPECT_EQ(uncached.Hash("abc"), HashKey::FromPartitionKey("abc"));
}

}  // namespace
}  // namespace kedge::kpl
