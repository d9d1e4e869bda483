#include "kpl/collector.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/kpl/test_records.h"

namespace kedge::kpl {
namespace {

using testing::MakeKinesis;

const SteadyTime kT0 = SteadyTime() + std::chrono::hours(1);

class CollectorTest : public ::testing::Test {
 protected:
  Collector Make(Collector::Options o) {
    return Collector(o, [this](PutBatchPtr b) { sent_.push_back(std::move(b)); });
  }
  std::vector<PutBatchPtr> sent_;
};

TEST_F(CollectorTest, SendsAFullRequestOf500AtOnce) {
  Collector c = Make({});
  for (int i = 0; i < 1001; ++i) c.Add(MakeKinesis(static_cast<ShardHandle>(i % 8), 10), kT0);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0]->records.size(), 500u);
  EXPECT_EQ(sent_[1]->records.size(), 500u);
  EXPECT_EQ(c.buffered_records(), 1u);
}

TEST_F(CollectorTest, KeepsRequestsUnderTheByteLimitCountingPartitionKeys) {
  Collector::Options o;
  o.max_in_flight_bytes_per_shard = 1u << 30;
  Collector c = Make(o);
  // 6 records of 1 MiB - 1 byte of data + 1 byte of key: five fill 5 MiB exactly.
  for (int i = 0; i < 6; ++i) c.Add(MakeKinesis(static_cast<ShardHandle>(i), 1048575), kT0);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0]->records.size(), 5u);
  EXPECT_EQ(sent_[0]->bytes, 5u * 1048576);
}

TEST_F(CollectorTest, SendsWhenTheEarliestDeadlinePlusLingerPasses) {
  Collector::Options o;
  o.linger = Millis(20);
  Collector c = Make(o);
  c.Add(MakeKinesis(1, 10, kT0 + Millis(100)), kT0);
  c.Add(MakeKinesis(2, 10, kT0 + Millis(50)), kT0);
  EXPECT_EQ(*c.NextDeadline(), kT0 + Millis(70));
  c.Poll(kT0 + Millis(69));
  EXPECT_TRUE(sent_.empty());
  c.Poll(kT0 + Millis(70));
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0]->records.size(), 2u);  // both shards share the request
  EXPECT_EQ(sent_[0]->sent_at, kT0 + Millis(70));
}

TEST_F(CollectorTest, CapsBytesInFlightPerShard) {
  Collector::Options o;
  o.max_in_flight_bytes_per_shard = 2500;
  Collector c = Make(o);
  for (int i = 0; i < 5; ++i) c.Add(MakeKinesis(1, 999), kT0);  // 1000 bytes each
  c.Add(MakeKinesis(2, 999), kT0);
  c.FlushAll(kT0);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0]->records.size(), 3u);  // two of shard 1, one of shard 2
  EXPECT_EQ(c.in_flight_bytes(1), 2000u);
  EXPECT_EQ(c.buffered_records(), 3u);
  EXPECT_FALSE(c.NextDeadline().has_value());  // nothing sendable until an answer comes

  c.OnBatchDone(*sent_[0]);
  EXPECT_EQ(c.in_flight_bytes(1), 0u);
  c.FlushAll(kT0);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[1]->records.size(), 2u);
}

TEST_F(CollectorTest, ARecordLargerThanTheCapStillGoesWhenNothingIsInFlight) {
  Collector::Options o;
  o.max_in_flight_bytes_per_shard = 100;
  Collector c = Make(o);
  c.Add(MakeKinesis(1, 5000), kT0);
  c.FlushAll(kT0);
  ASSERT_EQ(sent_.size(), 1u);
}

TEST_F(CollectorTest, KeepsArrivalOrderWithinAShard) {
  Collector c = Make({});
  for (int i = 0; i < 10; ++i) {
    auto r = MakeKinesis(1, 1);
    r->data = std::to_string(i);
    c.Add(std::move(r), kT0);
  }
  c.FlushAll(kT0);
  ASSERT_EQ(sent_.size(), 1u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sent_[0]->records[i]->data, std::to_string(i));
}

TEST_F(CollectorTest, TakeAllEmptiesTheBuffer) {
  Collector c = Make({});
  c.Add(MakeKinesis(1, 1), kT0);
  EXPECT_EQ(c.TakeAll().size(), 1u);
  EXPECT_EQ(c.buffered_records(), 0u);
}

}  // namespace
}  // namespace kedge::kpl
