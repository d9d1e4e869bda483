#include "kpl/producer.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "kpl/aggregated_record.h"
#include "tests/kpl/fake_kinesis_api.h"

namespace kedge::kpl {
namespace {

using testing::FakeKinesisApi;

class ProducerTest : public ::testing::Test {
 protected:
  ProducerConfig Config() {
    ProducerConfig c;
    c.stream = "edge";
    c.random = [] { return 0.5; };
    return c;
  }
  std::unique_ptr<Producer> Make(ProducerConfig c) {
    auto p = Producer::Create(api_, clock_, std::move(c));
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return std::move(p).value();
  }
  PutCallback Record(int id) {
    return [this, id](const PutOutcome& o) { outcomes_[id].push_back(o); };
  }
  // Polls, moving the clock to each wakeup, until nothing is outstanding (or a bound).
  void RunUntilIdle(Producer& p, Millis limit = Millis(600000)) {
    SteadyTime end = clock_.Now() + limit;
    p.Poll();
    while (p.outstanding_records() > 0 && clock_.Now() < end) {
      auto next = p.NextWakeup();
      if (!next) break;
      if (*next > clock_.Now()) clock_.Advance(std::min(*next, end) - clock_.Now());
      p.Poll();
    }
  }
  // Every user record the fake stream holds, with the shard it was stored on.
  std::vector<std::pair<std::string, DecodedUserRecord>> StoredUserRecords() {
    std::vector<std::pair<std::string, DecodedUserRecord>> out;
    for (const auto& s : api_.stored()) {
      for (auto& u : Deaggregate(s.data, s.partition_key, s.explicit_hash_key)) {
        out.emplace_back(s.shard_id, std::move(u));
      }
    }
    return out;
  }

  FakeClock clock_;
  FakeKinesisApi api_{4};
  std::map<int, std::vector<PutOutcome>> outcomes_;
};

TEST_F(ProducerTest, DeliversEveryRecordOnceOnTheShardItsKeyHashesTo) {
  auto p = Make(Config());
  const int kRecords = 20000;
  for (int i = 0; i < kRecords; ++i) {
    UserRecord r{"device-" + std::to_string(i % 50), "",
                 "{\"seq\":" + std::to_string(i) + ",\"temp\":21.5,\"unit\":\"C\"}"};
    ASSERT_TRUE(p->Put(std::move(r), Record(i)).ok());
    if (i % 1000 == 999) clock_.Advance(Millis(10));
  }
  RunUntilIdle(*p);
  ASSERT_EQ(outcomes_.size(), static_cast<size_t>(kRecords));
  for (const auto& [id, o] : outcomes_) {
    ASSERT_EQ(o.size(), 1u) << "record " << id << " called back more than once";
    ASSERT_TRUE(o[0].status.ok()) << o[0].status.ToString();
  }
  EXPECT_LE(api_.stored().size(), 1000u);  // "20,000 records in at most 1,000 Kinesis records"
  RecordProperty("kinesis_records", static_cast<int>(api_.stored().size()));
  RecordProperty("requests", static_cast<int>(api_.put_calls().size()));
  std::set<std::string> seen;
  for (const auto& [shard, u] : StoredUserRecords()) {
    EXPECT_TRUE(api_.Covers(shard, HashKey::FromPartitionKey(u.partition_key))) << shard;
    EXPECT_TRUE(seen.insert(u.data).second) << "duplicate " << u.data;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(p->metrics().user_records_put, static_cast<uint64_t>(kRecords));
  EXPECT_EQ(p->metrics().kinesis_records_put, api_.stored().size());
}

TEST_F(ProducerTest, CallbackCarriesShardSequenceAndSubSequence) {
  auto p = Make(Config());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p->Put({"same-key", "", "r" + std::to_string(i)}, Record(i)).ok());
  p->Flush();
  ASSERT_EQ(outcomes_.size(), 3u);
  std::string shard = api_.ShardFor(HashKey::FromPartitionKey("same-key"));
  for (int i = 0; i < 3; ++i) {
    const PutOutcome& o = outcomes_[i][0];
    EXPECT_EQ(o.shard_id, shard);
    EXPECT_EQ(o.sequence_number, api_.stored()[0].sequence_number);
    EXPECT_EQ(o.sub_sequence_number, static_cast<uint64_t>(i));
    EXPECT_EQ(o.attempts, 1);
  }
}

TEST_F(ProducerTest, RefusesAnOversizeRecordAndDeliversTheOthers) {
  auto p = Make(Config());
  ASSERT_TRUE(p->Put({"k", "", "before"}, Record(1)).ok());
  Status s = p->Put({"k", "", std::string(1100 * 1024, 'x')}, Record(2));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("1048576"), std::string::npos) << s.message();
  ASSERT_TRUE(p->Put({"k", "", "after"}, Record(3)).ok());
  RunUntilIdle(*p);
  EXPECT_EQ(outcomes_.count(2), 0u);
  EXPECT_TRUE(outcomes_[1][0].status.ok());
  EXPECT_TRUE(outcomes_[3][0].status.ok());
  EXPECT_EQ(p->metrics().user_records_refused, 1u);
}

TEST_F(ProducerTest, CountsThePartitionKeyAgainstTheRecordLimit) {
  auto p = Make(Config());
  std::string pk(10, 'p');
  EXPECT_TRUE(p->Put({pk, "", std::string(1048576 - 10, 'x')}, Record(1)).ok());
  EXPECT_FALSE(p->Put({pk, "", std::string(1048576 - 9, 'x')}, Record(2)).ok());
}

TEST_F(ProducerTest, RefusesInvalidKeysWithAReason) {
  auto p = Make(Config());
  EXPECT_NE(p->Put({"", "", "d"}, Record(1)).message().find("empty"), std::string::npos);
  EXPECT_NE(p->Put({std::string(257, 'k'), "", "d"}, Record(2)).message().find("256"),
            std::string::npos);
  EXPECT_TRUE(p->Put({std::string(256, 'k'), "", "d"}, Record(3)).ok());
  // 256 characters of two bytes each are still 256 characters.
  std::string wide;
  for (int i = 0; i < 256; ++i) wide += "\xC3\xA9";
  EXPECT_TRUE(p->Put({wide, "", "d"}, Record(4)).ok());
  // Outside the BMP a character is two UTF-16 units, as Java and the service count it.
  std::string emoji;
  for (int i = 0; i < 129; ++i) emoji += "\xF0\x9F\x98\x80";
  EXPECT_EQ(p->Put({emoji, "", "d"}, Record(7)).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p->Put({"\xC3", "", "d"}, Record(5)).message().find("UTF-8"), std::string::npos);
  EXPECT_EQ(p->Put({"k", "12x", "d"}, Record(6)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p->metrics().user_records_refused, 5u);
}

TEST_F(ProducerTest, SendsUnaggregatedWhileNoShardMapIsKnown) {
  api_.hold_lists = true;
  auto p = Make(Config());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p->Put({"k", "", "r"}, Record(i)).ok());
  RunUntilIdle(*p);
  ASSERT_EQ(api_.stored().size(), 5u);
  for (const auto& s : api_.stored()) EXPECT_FALSE(IsAggregated(s.data));
}

TEST_F(ProducerTest, ExplicitHashKeysPickTheShard) {
  auto p = Make(Config());
  const Shard& last = api_.shards().back();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(p->Put({"k" + std::to_string(i), last.ending_hash_key, "d"}, Record(i)).ok());
  }
  p->Flush();
  ASSERT_EQ(api_.stored().size(), 1u);
  EXPECT_EQ(api_.stored()[0].shard_id, last.shard_id);
  auto users = DecodeAggregated(api_.stored()[0].data);
  ASSERT_TRUE(users.ok());
  EXPECT_EQ((*users)[3].explicit_hash_key, last.ending_hash_key);
}

TEST_F(ProducerTest, WaitsForTheMaxBufferedTimeThenSends) {
  auto p = Make(Config());
  ASSERT_TRUE(p->Put({"k", "", "r"}, Record(1)).ok());
  EXPECT_EQ(*p->NextWakeup(), clock_.Now() + Millis(100));
  clock_.Advance(Millis(99));
  p->Poll();
  EXPECT_TRUE(api_.put_calls().empty());
  clock_.Advance(Millis(1));
  p->Poll();  // the aggregator lets go; the collector lingers 20 ms for company
  EXPECT_TRUE(api_.put_calls().empty());
  clock_.Advance(Millis(20));
  p->Poll();
  EXPECT_EQ(api_.put_calls().size(), 1u);
  EXPECT_TRUE(outcomes_[1][0].status.ok());
  EXPECT_EQ(p->metrics().buffering_time_ms, 120u);
}

TEST_F(ProducerTest, RetriesThrottledRecordsUntilTheyArrive) {
  auto p = Make(Config());
  for (int i = 0; i < 6; ++i) api_.record_errors.push_back("ProvisionedThroughputExceededException");
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(p->Put({"k" + std::to_string(i), "", "r"}, Record(i)).ok());
  RunUntilIdle(*p);
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(outcomes_[i].size(), 1u);
    EXPECT_TRUE(outcomes_[i][0].status.ok());
  }
  EXPECT_GE(p->metrics().throttles, 1u);
  EXPECT_GE(p->metrics().retries, 1u);
  EXPECT_EQ(StoredUserRecords().size(), 6u);
}

TEST_F(ProducerTest, RetriesWholeRequestFailures) {
  auto p = Make(Config());
  api_.put_failures = {UnavailableError("InternalFailure: 500"),
                       DeadlineExceededError("request timed out")};
  ASSERT_TRUE(p->Put({"k", "", "r"}, Record(1)).ok());
  RunUntilIdle(*p);
  ASSERT_EQ(outcomes_[1].size(), 1u);
  EXPECT_TRUE(outcomes_[1][0].status.ok());
  EXPECT_EQ(outcomes_[1][0].attempts, 3);
  EXPECT_EQ(p->metrics().request_failures, 2u);
}

TEST_F(ProducerTest, FailsFastOnAFatalError) {
  auto p = Make(Config());
  api_.put_failures = {NotFoundError("ResourceNotFoundException: Stream edge not found")};
  ASSERT_TRUE(p->Put({"k", "", "r"}, Record(1)).ok());
  RunUntilIdle(*p);
  ASSERT_EQ(outcomes_[1].size(), 1u);
  EXPECT_EQ(outcomes_[1][0].status.code(), StatusCode::kNotFound);
  EXPECT_NE(outcomes_[1][0].status.message().find("Stream edge not found"), std::string::npos);
  EXPECT_EQ(api_.put_calls().size(), 1u);
}

TEST_F(ProducerTest, ExpiresRecordsAtTheirTtl) {
  ProducerConfig c = Config();
  c.record_ttl = Millis(2000);
  auto p = Make(c);
  api_.throttled_shards = {api_.ShardFor(HashKey::FromPartitionKey("k"))};
  ASSERT_TRUE(p->Put({"k", "", "r"}, Record(1)).ok());
  RunUntilIdle(*p);
  ASSERT_EQ(outcomes_[1].size(), 1u);
  EXPECT_EQ(outcomes_[1][0].status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_GT(outcomes_[1][0].attempts, 2);
  EXPECT_LE(clock_.Now() - SteadyTime(), Millis(2000));
  EXPECT_EQ(p->metrics().user_records_expired, 1u);
}

TEST_F(ProducerTest, UnlimitedTtlKeepsRetrying) {
  ProducerConfig c = Config();
  c.record_ttl = Millis(0);
  auto p = Make(c);
  api_.throttled_shards = {api_.ShardFor(HashKey::FromPartitionKey("k"))};
  ASSERT_TRUE(p->Put({"k", "", "r"}, Record(1)).ok());
  RunUntilIdle(*p, Millis(120000));
  EXPECT_TRUE(outcomes_.empty());
  api_.throttled_shards.clear();
  RunUntilIdle(*p);
  ASSERT_EQ(outcomes_[1].size(), 1u);
  EXPECT_TRUE(outcomes_[1][0].status.ok());
}

TEST_F(ProducerTest, RecoversFromAReshardWithoutLosingRecords) {
  auto p = Make(Config());
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(p->Put({"k" + std::to_string(i), "", std::to_string(i)}, Record(i)).ok());
  p->Flush();
  // Split every shard behind the producer's back; its map is now wrong.
  for (const Shard& s : std::vector<Shard>(api_.shards())) api_.Split(s.shard_id);
  for (int i = 200; i < 400; ++i) ASSERT_TRUE(p->Put({"k" + std::to_string(i), "", std::to_string(i)}, Record(i)).ok());
  RunUntilIdle(*p);
  ASSERT_EQ(outcomes_.size(), 400u);
  for (const auto& [id, o] : outcomes_) ASSERT_TRUE(o[0].status.ok());
  EXPECT_GE(p->metrics().wrong_shard, 1u);
  EXPECT_GE(api_.list_calls(), 2);
  // Every aggregate that a consumer keeps holds only records of its shard, and every record
  // is in one of those.
  std::set<std::string> kept;
  for (const auto& s : api_.stored()) {
    auto users = Deaggregate(s.data, s.partition_key, s.explicit_hash_key);
    bool all_inside = true;
    for (const auto& u : users) {
      all_inside &= api_.Covers(s.shard_id, HashKey::FromPartitionKey(u.partition_key));
    }
    if (all_inside) {
      for (const auto& u : users) kept.insert(u.data);
    }
  }
  EXPECT_EQ(kept.size(), 400u);
}

TEST_F(ProducerTest, DrainSendsWhatItCanAndCancelsTheRestAtTheDeadline) {
  ProducerConfig c = Config();
  c.max_in_flight_bytes_per_shard = 1;  // one request per shard at a time
  auto p = Make(c);
  api_.hold_puts = true;
  ASSERT_TRUE(p->Put({"k", "", "first"}, Record(1)).ok());
  p->Flush();
  ASSERT_EQ(api_.held_puts(), 1u);
  ASSERT_TRUE(p->Put({"k", "", "second"}, Record(2)).ok());
  p->BeginDrain(clock_.Now() + Millis(500));
  EXPECT_EQ(p->Put({"k", "", "late"}, Record(3)).code(), StatusCode::kFailedPrecondition);
  clock_.Advance(Millis(500));
  p->Poll();
  ASSERT_EQ(outcomes_[2].size(), 1u);
  EXPECT_EQ(outcomes_[2][0].status.code(), StatusCode::kCancelled);
  EXPECT_FALSE(p->Drained());
  api_.ReleasePuts();
  EXPECT_TRUE(outcomes_[1][0].status.ok());
  EXPECT_TRUE(p->Drained());
}

TEST_F(ProducerTest, DestructionEndsOutstandingRecordsWithCancelled) {
  api_.hold_puts = true;
  {
    auto p = Make(Config());
    ASSERT_TRUE(p->Put({"k", "", "in-flight"}, Record(1)).ok());
    p->Flush();
    ASSERT_TRUE(p->Put({"k", "", "buffered"}, Record(2)).ok());
  }
  api_.ReleasePuts();  // the late answer finds no producer
  ASSERT_EQ(outcomes_[1].size(), 1u);
  ASSERT_EQ(outcomes_[2].size(), 1u);
  EXPECT_EQ(outcomes_[1][0].status.code(), StatusCode::kCancelled);
  EXPECT_EQ(outcomes_[2][0].status.code(), StatusCode::kCancelled);
}

TEST_F(ProducerTest, CallbacksRunningAtDestructionCannotPut) {
  Status put_from_callback;
  {
    auto p = Make(Config());
    Producer* raw = p.get();
    // raw by value: p's destructor runs the callback after raw's scope has ended (ASan).
    ASSERT_TRUE(p->Put({"k", "", "buffered"}, [&put_from_callback, raw](const PutOutcome&) {
                   put_from_callback = raw->Put({"k", "", "more"}, nullptr);
                 }).ok());
  }
  EXPECT_EQ(put_from_callback.code(), StatusCode::kFailedPrecondition);
}

TEST_F(ProducerTest, PushesBackWhenTooMuchIsOutstanding) {
  ProducerConfig c = Config();
  c.max_outstanding_bytes = 1048576;
  auto p = Make(c);
  api_.hold_puts = true;
  ASSERT_TRUE(p->Put({"k", "", std::string(600000, 'a')}, Record(1)).ok());
  EXPECT_EQ(p->Put({"k", "", std::string(600000, 'b')}, Record(2)).code(),
            StatusCode::kResourceExhausted);
  p->Flush();
  api_.ReleasePuts();
  EXPECT_TRUE(p->Put({"k", "", std::string(600000, 'b')}, Record(2)).ok());
}

TEST_F(ProducerTest, CallbacksMayPutMoreRecords) {
  auto p = Make(Config());
  int chained = 0;
  std::function<void(const PutOutcome&)> again = [&](const PutOutcome& o) {
    ASSERT_TRUE(o.status.ok());
    if (++chained < 5) {
      ASSERT_TRUE(p->Put({"k", "", "next"}, again).ok());
    }
  };
  ASSERT_TRUE(p->Put({"k", "", "first"}, again).ok());
  RunUntilIdle(*p);
  EXPECT_EQ(chained, 5);
}

TEST_F(ProducerTest, ConfigValidationNamesTheKey) {
  ProducerConfig c = Config();
  c.collection_max_count = 501;
  Status s = c.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("collection_max_count"), std::string::npos);
  c = Config();
  c.stream.clear();
  EXPECT_FALSE(Producer::Create(api_, clock_, c).ok());
}

}  // namespace
}  // namespace kedge::kpl

namespace kedge::kpl {
namespace {

TEST_F(ProducerTest, KeepsAtMostMaxRequestsInFlightAndSendsTheRestAsAnswersCome) {
  ProducerConfig c = Config();
  c.aggregation_enabled = false;
  c.rate_limit_percent = 0;
  c.collection_max_count = 10;
  c.max_requests_in_flight = 3;
  auto p = Make(c);
  api_.hold_puts = true;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(p->Put({"key-" + std::to_string(i), "", "data"}, Record(i)).ok());
  }
  p->Flush();
  RunUntilIdle(*p, Millis(1000));
  EXPECT_EQ(api_.held_puts(), 3u);
  EXPECT_EQ(p->requests_in_flight(), 3u);
  while (api_.held_puts() > 0) {
    api_.ReleasePuts(1);
    p->Poll();
    EXPECT_LE(p->requests_in_flight(), 3u);
    EXPECT_LE(api_.held_puts(), 3u);
  }
  RunUntilIdle(*p);
  EXPECT_EQ(p->outstanding_records(), 0u);
  EXPECT_EQ(outcomes_.size(), 200u);
  for (const auto& [id, o] : outcomes_) {
    ASSERT_EQ(o.size(), 1u) << "record " << id;
    EXPECT_TRUE(o[0].status.ok()) << o[0].status.ToString();
  }
}

TEST_F(ProducerTest, DestroyingTheProducerFailsBatchesWaitingForASlot) {
  ProducerConfig c = Config();
  c.aggregation_enabled = false;
  c.rate_limit_percent = 0;
  c.collection_max_count = 10;
  c.max_requests_in_flight = 1;
  auto p = Make(c);
  api_.hold_puts = true;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(p->Put({"k" + std::to_string(i), "", "d"}, Record(i)).ok());
  p->Flush();
  p->Poll();
  EXPECT_EQ(api_.held_puts(), 1u);
  p.reset();
  EXPECT_EQ(outcomes_.size(), 50u);
  for (const auto& [id, o] : outcomes_) {
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].status.code(), StatusCode::kCancelled);
  }
}

}  // namespace
}  // namespace kedge::kpl
