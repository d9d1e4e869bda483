#include "ingest/kinesis/hash_key.h"

#include <gtest/gtest.h>

namespace kedge::ingest {
namespace {

TEST(HashKeyTest, ParsesAndPrintsTheWholeRange) {
  for (std::string text : {"0", "1", "18446744073709551615", "18446744073709551616",
                           "340282366920938463463374607431768211455"}) {
    StatusOr<HashKey> key = HashKey::Parse(text);
    ASSERT_TRUE(key.ok()) << text;
    EXPECT_EQ(key->ToDecimal(), text);
  }
  EXPECT_EQ(HashKey::Parse("18446744073709551616")->hi, 1u);
  EXPECT_EQ(HashKey::Max().ToDecimal(), "340282366920938463463374607431768211455");
}

TEST(HashKeyTest, RejectsOutOfRangeAndNonDecimalText) {
  for (std::string text : {"", "-1", "01", "12a", "340282366920938463463374607431768211456",
                           "1000000000000000000000000000000000000000"}) {
    EXPECT_FALSE(HashKey::Parse(text).ok()) << text;
  }
}

TEST(HashKeyTest, PartitionKeyHashIsBigEndianMd5) {
  // MD5("a") = 0cc175b9c0f1b6a831c399e269772661
  HashKey key = HashKey::FromPartitionKey("a");
  EXPECT_EQ(key.hi, 0x0cc175b9c0f1b6a8ull);
  EXPECT_EQ(key.lo, 0x31c399e269772661ull);
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
}

TEST(HashKeyTest, SplitRangesAreContiguousAndCoverTheSpace) {
  for (int n : {1, 4, 7, 64, 1000}) {
    auto ranges = SplitHashKeySpace(n);
    ASSERT_EQ(static_cast<int>(ranges.size()), n);
    EXPECT_EQ(ranges.front().first, HashKey{});
    EXPECT_EQ(ranges.back().second, HashKey::Max());
    for (int i = 1; i < n; ++i) {
      HashKey next = ranges[i - 1].second;
      if (++next.lo == 0) ++next.hi;
      EXPECT_EQ(ranges[i].first, next) << "n=" << n << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace kedge::ingest
