#include "kpl/shard_map.h"

#include <gtest/gtest.h>

#include "tests/kpl/fake_kinesis_api.h"

namespace kedge::kpl {
namespace {

using testing::FakeKinesisApi;

class ShardMapTest : public ::testing::Test {
 protected:
  ShardMap::Options Opts() {
    ShardMap::Options o;
    o.refresh_interval = Millis(60000);
    return o;
  }
  FakeClock clock_;
  FakeKinesisApi api_{4};
};

TEST_F(ShardMapTest, PredictsNothingUntilTheListArrives) {
  api_.hold_lists = true;
  ShardMap map(api_, clock_, "s", Opts());
  map.Poll();
  EXPECT_EQ(map.Predict(HashKey::FromPartitionKey("x")), kNoShard);
  api_.ReleaseLists();
  EXPECT_TRUE(map.ready());
  for (int i = 0; i < 100; ++i) {
    HashKey k = HashKey::FromPartitionKey("key" + std::to_string(i));
    EXPECT_EQ(map.Name(map.Predict(k)), api_.ShardFor(k));
  }
}

TEST_F(ShardMapTest, PredictsTheRangeEdgesExactly) {
  ShardMap map(api_, clock_, "s", Opts());
  map.Poll();
  for (const Shard& s : api_.shards()) {
    HashKey start = HashKey::FromDecimal(s.starting_hash_key).value();
    HashKey end = HashKey::FromDecimal(s.ending_hash_key).value();
    EXPECT_EQ(map.Name(map.Predict(start)), s.shard_id);
    EXPECT_EQ(map.Name(map.Predict(end)), s.shard_id);
    EXPECT_TRUE(map.Contains(map.Intern(s.shard_id), end));
  }
  EXPECT_EQ(map.Name(map.Predict(HashKey::Max())), api_.shards().back().shard_id);
}

TEST_F(ShardMapTest, UsesOnlyOpenShardsAfterAReshard) {
  ShardMap map(api_, clock_, "s", Opts());
  map.Poll();
  api_.Split(api_.shards()[0].shard_id);
  map.Update(api_.shards());
  HashKey low{0, 5};
  std::string predicted = map.Name(map.Predict(low));
  EXPECT_NE(predicted, api_.shards()[0].shard_id);
  EXPECT_EQ(predicted, api_.ShardFor(low));
  // The closed parent is still known for range checks.
  EXPECT_TRUE(map.Contains(map.Intern(api_.shards()[0].shard_id), low));
}

TEST_F(ShardMapTest, InvalidateStopsPredictionUntilTheNewListArrives) {
  ShardMap map(api_, clock_, "s", Opts());
  map.Poll();
  clock_.Advance(Millis(10));
  api_.hold_lists = true;
  map.Invalidate(clock_.Now());
  EXPECT_EQ(map.Predict(HashKey{1, 1}), kNoShard);
  map.Poll();
  EXPECT_EQ(api_.list_calls(), 2);
  api_.ReleaseLists();
  EXPECT_NE(map.Predict(HashKey{1, 1}), kNoShard);
}

TEST_F(ShardMapTest, IgnoresInvalidationsFromRequestsSentBeforeTheLastUpdate) {
  SteadyTime sent = clock_.Now();
  clock_.Advance(Millis(5));
  ShardMap map(api_, clock_, "s", Opts());
  map.Poll();
  map.Invalidate(sent);
  EXPECT_TRUE(map.ready());
  map.Poll();
  EXPECT_EQ(api_.list_calls(), 1);
}

TEST_F(ShardMapTest, RetriesAFailedListWithGrowingBackoff) {
  api_.list_failures = {UnavailableError("InternalFailure: boom"),
                        UnavailableError("InternalFailure: boom")};
  ShardMap map(api_, clock_, "s", Opts());
  map.Poll();
  EXPECT_EQ(api_.list_calls(), 1);
  EXPECT_EQ(*map.NextPoll(), clock_.Now() + Millis(1000));
  clock_.Advance(Millis(999));
  map.Poll();
  EXPECT_EQ(api_.list_calls(), 1);
  clock_.Advance(Millis(1));
  map.Poll();
  EXPECT_EQ(api_.list_calls(), 2);
  EXPECT_EQ(*map.NextPoll(), clock_.Now() + Millis(1500));
  clock_.Advance(Millis(1500));
  map.Poll();
  EXPECT_TRUE(map.ready());
}

TEST_F(ShardMapTest, BacksOffWhenTheStreamHasNoOpenShards) {
  FakeKinesisApi empty(0);
  ShardMap map(empty, clock_, "s", Opts());
  map.Poll();
  map.Poll();
  EXPECT_EQ(empty.list_calls(), 1);
  EXPECT_FALSE(map.ready());
  EXPECT_EQ(*map.NextPoll(), clock_.Now() + Millis(1000));
}

TEST_F(ShardMapTest, RefreshesPeriodicallyWhileStillPredicting) {
  ShardMap map(api_, clock_, "s", Opts());
  map.Poll();
  clock_.Advance(Millis(59999));
  map.Poll();
  EXPECT_EQ(api_.list_calls(), 1);
  clock_.Advance(Millis(1));
  api_.hold_lists = true;
  map.Poll();
  EXPECT_EQ(api_.list_calls(), 2);
  EXPECT_NE(map.Predict(HashKey{3, 3}), kNoShard);
  EXPECT_FALSE(map.NextPoll().has_value());  // a call is outstanding
  api_.ReleaseLists();
}

TEST_F(ShardMapTest, ALateAnswerAfterDestructionIsIgnored) {
  api_.hold_lists = true;
  {
    ShardMap map(api_, clock_, "s", Opts());
    map.Poll();
  }
  api_.ReleaseLists();  // must not touch the destroyed map (ASan would tell)
  EXPECT_EQ(api_.list_calls(), 1);
}

TEST_F(ShardMapTest, InternedHandlesAreStable) {
  ShardMap map(api_, clock_, "s", Opts());
  ShardHandle a = map.Intern("shardId-000000000009");
  ShardHandle b = map.Intern("shardId-000000000010");
  EXPECT_NE(a, b);
  EXPECT_EQ(map.Intern("shardId-000000000009"), a);
  EXPECT_EQ(map.Name(b), "shardId-000000000010");
  EXPECT_FALSE(map.Known(a));
}

}  // namespace
}  // namespace kedge::kpl
