#include "kpl/limiter.h"

#include <gtest/gtest.h>

#include <vector>

#include "kpl/token_bucket.h"
#include "tests/kpl/test_records.h"

namespace kedge::kpl {
namespace {

using testing::MakeKinesis;

const SteadyTime kT0 = SteadyTime() + std::chrono::hours(1);

TEST(TokenBucketTest, StartsFullAndRefillsWithTime) {
  TokenBucket b(100, 50, kT0);
  EXPECT_TRUE(b.TryTake(50, kT0));
  EXPECT_FALSE(b.TryTake(1, kT0));
  EXPECT_EQ(b.WhenAvailable(10, kT0), kT0 + Millis(100));
  EXPECT_FALSE(b.TryTake(10, kT0 + Millis(99)));
  EXPECT_TRUE(b.TryTake(10, kT0 + Millis(100)));
}

TEST(TokenBucketTest, NeverHoldsMoreThanItsCapacity) {
  TokenBucket b(1000, 10, kT0);
  EXPECT_DOUBLE_EQ(b.Available(kT0 + std::chrono::hours(1)), 10);
  EXPECT_EQ(b.WhenAvailable(11, kT0), SteadyTime::max());
}

TEST(TokenBucketTest, NewRateAppliesFromNowOn) {
  TokenBucket b(100, 100, kT0);
  ASSERT_TRUE(b.TryTake(100, kT0));
  b.SetRate(10, kT0 + Millis(500));  // 50 tokens earned at the old rate
  EXPECT_NEAR(b.Available(kT0 + Millis(1500)), 60, 1e-6);
}

class LimiterTest : public ::testing::Test {
 protected:
  Limiter Make(Limiter::Options o) {
    return Limiter(
        o, [this](KinesisRecordPtr r) { ready_.push_back(std::move(r)); },
        [this](KinesisRecordPtr r) { expired_.push_back(std::move(r)); });
  }
  std::vector<KinesisRecordPtr> ready_, expired_;
};

TEST_F(LimiterTest, PassesRecordsWithoutAShardStraightThrough) {
  Limiter::Options o;
  o.records_per_second = 1;
  Limiter l = Make(o);
  for (int i = 0; i < 5; ++i) l.Add(MakeKinesis(kNoShard, 10), kT0);
  EXPECT_EQ(ready_.size(), 5u);
}

TEST_F(LimiterTest, ZeroRateTurnsLimitingOff) {
  Limiter::Options o;
  o.records_per_second = 0;
  Limiter l = Make(o);
  for (int i = 0; i < 5000; ++i) l.Add(MakeKinesis(1, 10), kT0);
  EXPECT_EQ(ready_.size(), 5000u);
}

TEST_F(LimiterTest, DefersRecordsWhenTheRecordBucketIsEmpty) {
  Limiter::Options o;
  o.records_per_second = 10;
  Limiter l = Make(o);
  for (int i = 0; i < 15; ++i) l.Add(MakeKinesis(1, 10), kT0);
  EXPECT_EQ(ready_.size(), 10u);
  EXPECT_EQ(l.queued(), 5u);
  EXPECT_EQ(*l.NextWakeup(kT0), kT0 + Millis(100));
  l.Drain(kT0 + Millis(300));
  EXPECT_EQ(ready_.size(), 13u);
}

TEST_F(LimiterTest, DefersRecordsWhenTheByteBucketIsEmpty) {
  Limiter::Options o;
  o.bytes_per_second = 10000;
  o.max_record_size = 5000;
  Limiter l = Make(o);
  for (int i = 0; i < 4; ++i) l.Add(MakeKinesis(1, 4000 - 1), kT0);  // +1 byte of key
  EXPECT_EQ(ready_.size(), 2u);
  l.Drain(kT0 + Millis(400));
  EXPECT_EQ(ready_.size(), 3u);
}

TEST_F(LimiterTest, ShardsDoNotShareBuckets) {
  Limiter::Options o;
  o.records_per_second = 2;
  Limiter l = Make(o);
  for (int i = 0; i < 3; ++i) l.Add(MakeKinesis(1, 1), kT0);
  for (int i = 0; i < 3; ++i) l.Add(MakeKinesis(2, 1), kT0);
  EXPECT_EQ(ready_.size(), 4u);
}

TEST_F(LimiterTest, ThrottlingHalvesTheRateAndItRecoversOverTime) {
  Limiter::Options o;
  o.records_per_second = 100;
  o.recovery_per_second = 0.1;
  Limiter l = Make(o);
  l.OnThrottled(1, kT0);
  EXPECT_DOUBLE_EQ(l.Factor(1, kT0), 0.5);
  l.OnThrottled(1, kT0);
  EXPECT_DOUBLE_EQ(l.Factor(1, kT0), 0.25);
  EXPECT_NEAR(l.Factor(1, kT0 + std::chrono::seconds(5)), 0.75, 1e-9);
  EXPECT_DOUBLE_EQ(l.Factor(1, kT0 + std::chrono::seconds(60)), 1.0);
  EXPECT_DOUBLE_EQ(l.Factor(2, kT0), 1.0);
}

TEST_F(LimiterTest, AThrottledShardSendsFewerRecords) {
  Limiter::Options o;
  o.records_per_second = 100;
  o.recovery_per_second = 0;
  Limiter l = Make(o);
  for (int i = 0; i < 100; ++i) l.Add(MakeKinesis(1, 1), kT0);  // drains the burst
  l.OnThrottled(1, kT0);
  l.OnThrottled(1, kT0);
  for (int i = 0; i < 100; ++i) l.Add(MakeKinesis(1, 1), kT0);
  l.Drain(kT0 + std::chrono::seconds(1));
  EXPECT_EQ(ready_.size(), 125u);  // 100 burst + 25/s at a quarter of the rate
}

TEST_F(LimiterTest, NeverGoesBelowTheMinimumFactor) {
  Limiter::Options o;
  o.min_factor = 0.1;
  Limiter l = Make(o);
  for (int i = 0; i < 20; ++i) l.OnThrottled(4, kT0);
  EXPECT_DOUBLE_EQ(l.Factor(4, kT0), 0.1);
}

TEST_F(LimiterTest, RecordsThatExpireWhileWaitingGoToTheExpiredSink) {
  Limiter::Options o;
  o.records_per_second = 1;
  Limiter l = Make(o);
  l.Add(MakeKinesis(1, 1), kT0);
  l.Add(MakeKinesis(1, 1, SteadyTime::max(), kT0 + Millis(200)), kT0);
  EXPECT_EQ(*l.NextWakeup(kT0), kT0 + Millis(200));
  l.Drain(kT0 + Millis(200));
  EXPECT_EQ(expired_.size(), 1u);
  EXPECT_EQ(l.queued(), 0u);
}

TEST_F(LimiterTest, TakeAllEmptiesTheQueues) {
  Limiter::Options o;
  o.records_per_second = 1;
  Limiter l = Make(o);
  for (int i = 0; i < 3; ++i) l.Add(MakeKinesis(1, 1), kT0);
  EXPECT_EQ(l.TakeAll().size(), 2u);
  EXPECT_FALSE(l.NextWakeup(kT0).has_value());
}

}  // namespace
}  // namespace kedge::kpl
