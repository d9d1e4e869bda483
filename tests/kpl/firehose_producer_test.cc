#include "kpl/firehose_producer.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

namespace kedge::kpl {
namespace {

// A scripted PutRecordBatch: records every call; answers at once or when released.
class FakeFirehose {
 public:
  using Done = std::function<void(StatusOr<std::vector<FirehoseRecordOutcome>>)>;

  PutRecordBatchFn Fn() {
    return [this](const std::string&, const std::vector<std::string>& records, Done done) {
      calls.push_back(records);
      held.emplace_back(records, std::move(done));
      if (!hold) Release();
    };
  }
  // Answers the calls held now (not those the answers cause).
  void Release() {
    for (size_t n = held.size(); n > 0 && !held.empty(); --n) {
      auto [records, done] = std::move(held.front());
      held.pop_front();
      if (!request_failures.empty()) {
        Status s = request_failures.front();
        request_failures.pop_front();
        done(s);
        continue;
      }
      std::vector<FirehoseRecordOutcome> out;
      for (const std::string& r : records) {
        FirehoseRecordOutcome o;
        if (failing.count(r) && failing[r]-- > 0) {
          o.error_code = "ServiceUnavailableException";
          o.error_message = "Slow down.";
        } else {
          o.record_id = "rid-" + std::to_string(next_id++);
          delivered.push_back(r);
        }
        out.push_back(o);
      }
      done(std::move(out));
    }
  }

  bool hold = false;
  std::deque<Status> request_failures;
  std::map<std::string, int> failing;  // record -> how many more times it fails
  std::vector<std::vector<std::string>> calls;
  std::deque<std::pair<std::vector<std::string>, Done>> held;
  std::vector<std::string> delivered;
  int next_id = 1;
};

class FirehoseProducerTest : public ::testing::Test {
 protected:
  FirehoseProducerConfig Config() {
    FirehoseProducerConfig c;
    c.delivery_stream = "logs";
    return c;
  }
  PutCallback Record(int id) {
    return [this, id](const PutOutcome& o) { outcomes_[id].push_back(o); };
  }
  void RunUntilIdle(FirehoseProducer& p) {
    for (int i = 0; i < 10000 && p.outstanding_records() > 0; ++i) {
      fake_.Release();
      auto next = p.NextWakeup();
      if (next && *next > clock_.Now()) clock_.Advance(*next - clock_.Now());
      p.Poll();
    }
  }
  FakeClock clock_;
  FakeFirehose fake_;
  std::map<int, std::vector<PutOutcome>> outcomes_;
};

TEST_F(FirehoseProducerTest, AppendsTheDelimiterAndBatchesAfterTheBufferTime) {
  FirehoseProducer p(fake_.Fn(), clock_, Config());
  ASSERT_TRUE(p.Put("line one", Record(1)).ok());
  ASSERT_TRUE(p.Put("line two", Record(2)).ok());
  EXPECT_TRUE(fake_.calls.empty());
  EXPECT_EQ(*p.NextWakeup(), clock_.Now() + Millis(100));
  clock_.Advance(Millis(100));
  p.Poll();
  ASSERT_EQ(fake_.calls.size(), 1u);
  EXPECT_EQ(fake_.calls[0], (std::vector<std::string>{"line one\n", "line two\n"}));
  EXPECT_TRUE(outcomes_[1][0].status.ok());
  EXPECT_EQ(outcomes_[2][0].sequence_number, "rid-2");
}

TEST_F(FirehoseProducerTest, KeepsBatchesWithin500RecordsAnd4MiB) {
  FirehoseProducerConfig c = Config();
  c.delimiter.clear();
  FirehoseProducer p(fake_.Fn(), clock_, c);
  for (int i = 0; i < 1200; ++i) ASSERT_TRUE(p.Put("r", Record(i)).ok());
  EXPECT_EQ(fake_.calls.size(), 2u);  // two full batches went at once
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p.Put(std::string(1000 * 1024, 'x'), Record(2000 + i)).ok());
  p.Flush();
  RunUntilIdle(p);
  for (const auto& call : fake_.calls) {
    size_t bytes = 0;
    for (const auto& r : call) bytes += r.size();
    EXPECT_LE(call.size(), 500u);
    EXPECT_LE(bytes, 4u * 1048576);
  }
  EXPECT_EQ(fake_.delivered.size(), 1205u);
}

TEST_F(FirehoseProducerTest, RefusesARecordOverTheLimitCountingTheDelimiter) {
  FirehoseProducer p(fake_.Fn(), clock_, Config());
  Status s = p.Put(std::string(1000 * 1024, 'x'), Record(1));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("1024000"), std::string::npos) << s.message();
  EXPECT_TRUE(p.Put(std::string(1000 * 1024 - 1, 'x'), Record(2)).ok());
}

TEST_F(FirehoseProducerTest, ResendsOnlyTheRecordsThatFailed) {
  FirehoseProducer p(fake_.Fn(), clock_, Config());
  fake_.failing["b\n"] = 2;
  for (const char* r : {"a", "b", "c"}) ASSERT_TRUE(p.Put(r, Record(r[0])).ok());
  p.Flush();
  RunUntilIdle(p);
  ASSERT_EQ(fake_.calls.size(), 3u);
  EXPECT_EQ(fake_.calls[1], (std::vector<std::string>{"b\n"}));
  EXPECT_EQ(fake_.calls[2], (std::vector<std::string>{"b\n"}));
  EXPECT_EQ(fake_.delivered, (std::vector<std::string>{"a\n", "c\n", "b\n"}));
  EXPECT_EQ(outcomes_['b'][0].attempts, 3);
  EXPECT_EQ(p.metrics().errors_by_code.at("ServiceUnavailableException"), 2u);
}

TEST_F(FirehoseProducerTest, RetriesTransientRequestFailuresAndFailsFatalOnes) {
  FirehoseProducer p(fake_.Fn(), clock_, Config());
  fake_.request_failures = {UnavailableError("ServiceUnavailableException: busy")};
  ASSERT_TRUE(p.Put("x", Record(1)).ok());
  p.Flush();
  RunUntilIdle(p);
  EXPECT_TRUE(outcomes_[1][0].status.ok());

  fake_.request_failures = {NotFoundError("ResourceNotFoundException: no such stream")};
  ASSERT_TRUE(p.Put("y", Record(2)).ok());
  p.Flush();
  RunUntilIdle(p);
  ASSERT_EQ(outcomes_[2].size(), 1u);
  EXPECT_EQ(outcomes_[2][0].status.code(), StatusCode::kNotFound);
}

TEST_F(FirehoseProducerTest, FailsRecordsAtTheirTtl) {
  FirehoseProducerConfig c = Config();
  c.record_ttl = Millis(1000);
  FirehoseProducer p(fake_.Fn(), clock_, c);
  fake_.failing["x\n"] = 1000;
  ASSERT_TRUE(p.Put("x", Record(1)).ok());
  RunUntilIdle(p);
  ASSERT_EQ(outcomes_[1].size(), 1u);
  EXPECT_EQ(outcomes_[1][0].status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_LE(clock_.Now() - SteadyTime(), Millis(1000));
}

TEST_F(FirehoseProducerTest, CapsRequestsInFlight) {
  FirehoseProducerConfig c = Config();
  c.max_requests_in_flight = 1;
  c.max_batch_count = 1;
  FirehoseProducer p(fake_.Fn(), clock_, c);
  fake_.hold = true;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p.Put("r", Record(i)).ok());
  EXPECT_EQ(p.requests_in_flight(), 1u);
  EXPECT_EQ(fake_.calls.size(), 1u);
  fake_.Release();
  EXPECT_EQ(fake_.calls.size(), 2u);
}

TEST_F(FirehoseProducerTest, DestructionFailsWhatIsOutstanding) {
  fake_.hold = true;
  {
    FirehoseProducer p(fake_.Fn(), clock_, Config());
    ASSERT_TRUE(p.Put("in-flight", Record(1)).ok());
    p.Flush();
    ASSERT_TRUE(p.Put("buffered", Record(2)).ok());
  }
  fake_.Release();
  EXPECT_EQ(outcomes_[1].size(), 1u);
  EXPECT_EQ(outcomes_[1][0].status.code(), StatusCode::kCancelled);
  EXPECT_EQ(outcomes_[2][0].status.code(), StatusCode::kCancelled);
}

TEST_F(FirehoseProducerTest, CallbacksRunningAtDestructionCannotPut) {
  Status again;
  {
    FirehoseProducer p(fake_.Fn(), clock_, Config());
    FirehoseProducer* raw = &p;
    // raw by value: p's destructor runs the callback after raw's scope has ended (ASan).
    ASSERT_TRUE(
        p.Put("buffered", [&again, raw](const PutOutcome&) { again = raw->Put("more", nullptr); })
            .ok());
  }
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(FirehoseProducerTest, ConfigValidationNamesTheKey) {
  FirehoseProducerConfig c = Config();
  c.max_batch_bytes = 5 * 1048576;
  EXPECT_NE(c.Validate().message().find("max_batch_bytes"), std::string::npos);
  EXPECT_TRUE(Config().Validate().ok());
}

}  // namespace
}  // namespace kedge::kpl
