#include "kpl/aggregator.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/kpl/test_records.h"

namespace kedge::kpl {
namespace {

using testing::MakePending;

class AggregatorTest : public ::testing::Test {
 protected:
  Aggregator Make(Aggregator::Options o) {
    return Aggregator(o, [this](KinesisRecordPtr r) { out_.push_back(std::move(r)); });
  }
  // All user records carried by the emitted Kinesis records, decoded from the bytes.
  std::vector<DecodedUserRecord> Decoded(const KinesisRecord& r) {
    return Deaggregate(r.data, r.partition_key, r.explicit_hash_key);
  }
  std::vector<KinesisRecordPtr> out_;
  SteadyTime t0_ = SteadyTime() + std::chrono::hours(1);
};

TEST_F(AggregatorTest, RecordsWithoutPredictionGoOutAlone) {
  Aggregator a = Make({});
  a.Add(MakePending("k1", "one"));
  a.Add(MakePending("k2", "two"));
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0]->data, "one");
  EXPECT_EQ(out_[0]->partition_key, "k1");
  EXPECT_EQ(a.buffered_records(), 0u);
}

TEST_F(AggregatorTest, DisabledAggregationSendsEachRecordAlone) {
  Aggregator::Options o;
  o.enabled = false;
  Aggregator a = Make(o);
  a.Add(MakePending("k1", "one", 3));
  a.Add(MakePending("k1", "two", 3));
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1]->data, "two");
  EXPECT_EQ(out_[1]->shard, 3u);
}

TEST_F(AggregatorTest, RecordsOfOneShardShareAnAggregateKeyedToTheFirstRecord) {
  Aggregator a = Make({});
  a.Add(MakePending("k1", "one", 7));
  a.Add(MakePending("k2", "two", 7));
  a.Add(MakePending("k1", "three", 7));
  EXPECT_TRUE(out_.empty());
  a.FlushAll();
  ASSERT_EQ(out_.size(), 1u);
  const KinesisRecord& r = *out_[0];
  EXPECT_TRUE(IsAggregated(r.data));
  EXPECT_EQ(r.partition_key, "a");
  EXPECT_EQ(r.explicit_hash_key, HashKey::FromPartitionKey("k1").ToDecimal());
  EXPECT_EQ(r.shard, 7u);
  auto users = Decoded(r);
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[2].data, "three");
  EXPECT_EQ(users[1].partition_key, "k2");
  ASSERT_EQ(r.items.size(), 3u);
}

TEST_F(AggregatorTest, NeverMixesShards) {
  Aggregator a = Make({});
  for (int i = 0; i < 30; ++i) {
    a.Add(MakePending("k" + std::to_string(i), std::to_string(i), static_cast<ShardHandle>(i % 3)));
  }
  a.FlushAll();
  ASSERT_EQ(out_.size(), 3u);
  for (const auto& r : out_) {
    auto users = Decoded(*r);
    ASSERT_EQ(users.size(), 10u);
    for (const auto& u : users) EXPECT_EQ(std::stoi(u.data) % 3, static_cast<int>(r->shard));
  }
}

TEST_F(AggregatorTest, StaysWithinMaxSizeAndLosesNothing) {
  Aggregator::Options o;
  o.max_size = 1000;
  Aggregator a = Make(o);
  for (int i = 0; i < 200; ++i) {
    a.Add(MakePending("key-" + std::to_string(i % 13), std::string(37 + i % 50, 'x'), 1));
  }
  a.FlushAll();
  size_t users = 0;
  for (const auto& r : out_) {
    EXPECT_LE(r->WireSize(), 1000u);
    users += Decoded(*r).size();
  }
  EXPECT_EQ(users, 200u);
  EXPECT_GT(out_.size(), 10u);
}

TEST_F(AggregatorTest, EmitsWhenMaxCountIsReached) {
  Aggregator::Options o;
  o.max_count = 4;
  Aggregator a = Make(o);
  for (int i = 0; i < 9; ++i) a.Add(MakePending("k", "d", 0));
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0]->items.size(), 4u);
  EXPECT_EQ(a.buffered_records(), 1u);
}

TEST_F(AggregatorTest, ABatchOfOneGoesOutAsAPlainRecord) {
  Aggregator a = Make({});
  a.Add(MakePending("lonely", "payload", 2));
  a.FlushAll();
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0]->data, "payload");
  EXPECT_EQ(out_[0]->partition_key, "lonely");
  EXPECT_TRUE(out_[0]->explicit_hash_key.empty());
}

TEST_F(AggregatorTest, ARecordLargerThanTheAggregateLimitGoesAloneAfterTheBatch) {
  Aggregator::Options o;
  o.max_size = 1000;
  Aggregator a = Make(o);
  a.Add(MakePending("k", "small-1", 0));
  a.Add(MakePending("k", "small-2", 0));
  a.Add(MakePending("k", std::string(5000, 'b'), 0));
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(Decoded(*out_[0]).size(), 2u);
  EXPECT_EQ(out_[1]->data.size(), 5000u);  // plain
}

TEST_F(AggregatorTest, AggregatesStayUnderTheStreamRecordLimit) {
  Aggregator::Options o;
  o.max_size = 10485760;
  o.max_record_size = 1048576;
  Aggregator a = Make(o);
  for (int i = 0; i < 40; ++i) a.Add(MakePending("k" + std::to_string(i), std::string(100000, 'z'), 0));
  a.FlushAll();
  size_t users = 0;
  for (const auto& r : out_) {
    EXPECT_LE(r->WireSize(), 1048576u);
    users += r->items.size();
  }
  EXPECT_EQ(users, 40u);
}

TEST_F(AggregatorTest, FlushDueEmitsOnlyBatchesPastTheirEarliestDeadline) {
  Aggregator a = Make({});
  a.Add(MakePending("k", "late", 1, t0_ + Millis(100)));
  a.Add(MakePending("k", "early", 1, t0_ + Millis(40)));
  a.Add(MakePending("k", "other", 2, t0_ + Millis(90)));
  ASSERT_TRUE(a.NextDeadline().has_value());
  EXPECT_EQ(*a.NextDeadline(), t0_ + Millis(40));
  a.FlushDue(t0_ + Millis(39));
  EXPECT_TRUE(out_.empty());
  a.FlushDue(t0_ + Millis(40));
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0]->shard, 1u);
  EXPECT_EQ(out_[0]->deadline, t0_ + Millis(40));
  EXPECT_EQ(*a.NextDeadline(), t0_ + Millis(90));
}

TEST_F(AggregatorTest, TakeAllEmptiesWithoutEmitting) {
  Aggregator a = Make({});
  a.Add(MakePending("k", "1", 1));
  a.Add(MakePending("k", "2", 2));
  EXPECT_EQ(a.TakeAll().size(), 2u);
  EXPECT_TRUE(out_.empty());
  EXPECT_FALSE(a.NextDeadline().has_value());
}

}  // namespace
}  // namespace kedge::kpl
