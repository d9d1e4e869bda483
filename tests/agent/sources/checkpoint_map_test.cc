#include "agent/sources/checkpoint_map.h"

#include <gtest/gtest.h>

namespace kedge::agent {
namespace {

TEST(CheckpointMapTest, AppliesUpdatesAndRoundTripsThroughOneValue) {
  CheckpointMap map;
  map.Apply({{"1:10", "{\"off\":5}"}, {"1:11", "{\"off\":7}"}});
  map.Apply({{"1:10", ""}, {"1:11", "{\"off\":9}"}});
  StatusOr<CheckpointMap> back = CheckpointMap::Parse(map.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  std::vector<Checkpoint> v = back->ToVector();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].key, "1:11");
  EXPECT_EQ(v[0].blob, "{\"off\":9}");
}

TEST(CheckpointMapTest, EmptyValueIsAnEmptyMapAndGarbageIsDataLoss) {
  EXPECT_EQ(CheckpointMap::Parse("")->size(), 0u);
  EXPECT_EQ(CheckpointMap::Parse("{\"v\":2}").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(CheckpointMap::Parse("garbage").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kedge::agent
