#include "kpl/retrier.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/kpl/fake_kinesis_api.h"
#include "tests/kpl/test_records.h"

namespace kedge::kpl {
namespace {

using testing::FakeKinesisApi;
using testing::MakePending;

TEST(ClassifyFailureTest, MapsStatusCodesToWhatToDo) {
  EXPECT_EQ(ClassifyFailure(ResourceExhaustedError("ProvisionedThroughputExceededException: x")),
            FailureClass::kThrottled);
  EXPECT_EQ(ClassifyFailure(UnavailableError("InternalFailure")), FailureClass::kRetryable);
  EXPECT_EQ(ClassifyFailure(DeadlineExceededError("timeout")), FailureClass::kRetryable);
  EXPECT_EQ(ClassifyFailure(UnauthenticatedError("ExpiredTokenException: token expired")),
            FailureClass::kExpiredCredentials);
  EXPECT_EQ(ClassifyFailure(UnauthenticatedError("RequestTimeTooSkewed: clock off by 20 min")),
            FailureClass::kExpiredCredentials);
  EXPECT_EQ(ClassifyFailure(UnauthenticatedError("UnrecognizedClientException: bad key")),
            FailureClass::kFatal);
  EXPECT_EQ(ClassifyFailure(NotFoundError("ResourceNotFoundException: no stream")),
            FailureClass::kFatal);
  EXPECT_EQ(ClassifyFailure(PermissionDeniedError("AccessDeniedException")),
            FailureClass::kFatal);
  EXPECT_EQ(ClassifyFailure(InvalidArgumentError("ValidationException")), FailureClass::kFatal);
}

TEST(ClassifyFailureTest, PerRecordCodesBecomeStatuses) {
  EXPECT_EQ(ClassifyFailure(StatusForRecordError("ProvisionedThroughputExceededException", "m")),
            FailureClass::kThrottled);
  EXPECT_EQ(ClassifyFailure(StatusForRecordError("InternalFailure", "Internal Service Failure")),
            FailureClass::kRetryable);
}

class RetrierTest : public ::testing::Test {
 protected:
  RetrierTest() : map_(api_, clock_, "s", {}) { map_.Poll(); }

  Retrier Make(Retrier::Options o = {}) {
    return Retrier(o, clock_, map_, [this] { return random_; }, metrics_,
                   Retrier::Hooks{[this](ShardHandle s) { throttled_.push_back(s); },
                                  [this] { ++refreshes_; }});
  }
  // A batch of one Kinesis record holding `users` user records for the shard of "k0".
  std::unique_ptr<PutBatch> Batch(int users, int attempts = 1) {
    auto batch = std::make_unique<PutBatch>();
    auto r = std::make_unique<KinesisRecord>();
    HashKey k = HashKey::FromPartitionKey("k0");
    r->shard = map_.Predict(k);
    for (int i = 0; i < users; ++i) {
      auto u = MakePending("k0", "d" + std::to_string(i), r->shard);
      u->expiration = clock_.Now() + Millis(30000);
      u->attempts = attempts;
      r->items.push_back(std::move(u));
    }
    batch->records.push_back(std::move(r));
    batch->sent_at = clock_.Now();
    return batch;
  }
  PutRecordsResult Ok(const std::string& shard) {
    PutRecordsResult res;
    res.records.push_back(PutRecordsResultEntry{shard, "4957", "", ""});
    return res;
  }
  PutRecordsResult Err(const std::string& code) {
    PutRecordsResult res;
    res.failed_record_count = 1;
    res.records.push_back(PutRecordsResultEntry{"", "", code, "msg"});
    return res;
  }

  FakeClock clock_;
  FakeKinesisApi api_{4};
  ShardMap map_;
  ProducerMetrics metrics_;
  double random_ = 0.5;
  std::vector<ShardHandle> throttled_;
  int refreshes_ = 0;
};

TEST_F(RetrierTest, SuccessEndsEachUserRecordWithItsSubSequenceNumber) {
  Retrier r = Make();
  auto batch = Batch(3);
  std::string shard = api_.ShardFor(HashKey::FromPartitionKey("k0"));
  r.OnPutRecordsDone(*batch, Ok(shard));
  auto done = r.TakeCompletions();
  ASSERT_EQ(done.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(done[i].second.status.ok());
    EXPECT_EQ(done[i].second.shard_id, shard);
    EXPECT_EQ(done[i].second.sequence_number, "4957");
    EXPECT_EQ(done[i].second.sub_sequence_number, i);
  }
  EXPECT_EQ(metrics_.user_records_put, 3u);
  EXPECT_EQ(metrics_.kinesis_records_put, 1u);
}

TEST_F(RetrierTest, ThrottledRecordsSlowTheShardAndComeBackAfterBackoff) {
  Retrier r = Make();
  auto batch = Batch(2);
  ShardHandle shard = batch->records[0]->shard;
  r.OnPutRecordsDone(*batch, Err("ProvisionedThroughputExceededException"));
  EXPECT_TRUE(r.TakeCompletions().empty());
  ASSERT_EQ(throttled_.size(), 1u);
  EXPECT_EQ(throttled_[0], shard);
  // First retry: 100 ms with equal jitter at 0.5 -> 50 + 25.
  EXPECT_EQ(*r.NextDue(), clock_.Now() + Millis(75));
  EXPECT_TRUE(r.TakeDue(clock_.Now() + Millis(74)).empty());
  EXPECT_EQ(r.TakeDue(clock_.Now() + Millis(75)).size(), 2u);
  EXPECT_EQ(metrics_.throttles, 1u);
  EXPECT_EQ(metrics_.retries, 2u);
  EXPECT_EQ(metrics_.errors_by_code["ProvisionedThroughputExceededException"], 1u);
}

TEST_F(RetrierTest, BackoffGrowsExponentiallyWithJitterAndIsCapped) {
  Retrier::Options o;
  o.max_backoff = Millis(1000);
  Retrier r = Make(o);
  random_ = 0.0;
  auto b4 = Batch(1, /*attempts=*/4);  // 100 * 2^3 = 800 -> [400, 800]
  r.OnPutRecordsDone(*b4, Err("InternalFailure"));
  EXPECT_EQ(*r.NextDue(), clock_.Now() + Millis(400));
  r.TakeAllWaiting();
  random_ = 1.0;
  auto b9 = Batch(1, /*attempts=*/9);  // capped at 1000
  r.OnPutRecordsDone(*b9, Err("InternalFailure"));
  EXPECT_EQ(*r.NextDue(), clock_.Now() + Millis(1000));
}

TEST_F(RetrierTest, FailsRecordsWhoseTtlEndsBeforeTheNextAttempt) {
  Retrier r = Make();
  auto batch = Batch(1);
  batch->records[0]->items[0]->expiration = clock_.Now() + Millis(50);
  r.OnPutRecordsDone(*batch, Err("InternalFailure"));
  auto done = r.TakeCompletions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].second.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(done[0].second.status.message().find("InternalFailure"), std::string::npos);
  // Built before the record is moved away: clang read the moved-from record (UBSan).
  EXPECT_NE(done[0].second.status.message().find(" attempts; last error"), std::string::npos);
  EXPECT_EQ(metrics_.user_records_expired, 1u);
}

TEST_F(RetrierTest, FatalRequestErrorsFailAtOnceWithTheServiceMessage) {
  Retrier r = Make();
  auto batch = Batch(2);
  r.OnPutRecordsDone(*batch, NotFoundError("ResourceNotFoundException: Stream s not found"));
  auto done = r.TakeCompletions();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].second.status.code(), StatusCode::kNotFound);
  EXPECT_NE(done[0].second.status.message().find("Stream s not found"), std::string::npos);
  EXPECT_EQ(metrics_.errors_by_code["ResourceNotFoundException"], 1u);
  EXPECT_FALSE(r.NextDue().has_value());
}

TEST_F(RetrierTest, TransientRequestErrorsAreRetried) {
  Retrier r = Make();
  auto batch = Batch(2);
  r.OnPutRecordsDone(*batch, UnavailableError("connection reset"));
  EXPECT_TRUE(r.TakeCompletions().empty());
  EXPECT_EQ(r.waiting(), 2u);
  EXPECT_EQ(metrics_.request_failures, 1u);
}

TEST_F(RetrierTest, ExpiredCredentialsAreRefreshedThenRetried) {
  Retrier r = Make();
  auto batch = Batch(1);
  r.OnPutRecordsDone(*batch, UnauthenticatedError("ExpiredTokenException: expired"));
  EXPECT_EQ(refreshes_, 1);
  EXPECT_EQ(r.waiting(), 1u);
}

TEST_F(RetrierTest, FailIfThrottledFailsInsteadOfRetrying) {
  Retrier::Options o;
  o.fail_if_throttled = true;
  Retrier r = Make(o);
  auto batch = Batch(1);
  r.OnPutRecordsDone(*batch, Err("ProvisionedThroughputExceededException"));
  auto done = r.TakeCompletions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].second.status.code(), StatusCode::kResourceExhausted);
}

TEST_F(RetrierTest, AnAggregateOnTheWrongShardIsSentAgainAndTheMapInvalidated) {
  Retrier r = Make();
  auto batch = Batch(2);
  // Claim it landed on a shard whose range does not hold "k0".
  HashKey k = HashKey::FromPartitionKey("k0");
  std::string other;
  for (const Shard& s : api_.shards()) {
    if (s.shard_id != api_.ShardFor(k)) other = s.shard_id;
  }
  clock_.Advance(Millis(1));
  r.OnPutRecordsDone(*batch, Ok(other));
  EXPECT_TRUE(r.TakeCompletions().empty());
  EXPECT_EQ(r.TakeDue(clock_.Now()).size(), 2u);  // no backoff
  EXPECT_FALSE(map_.ready());
  EXPECT_EQ(metrics_.wrong_shard, 1u);
}

TEST_F(RetrierTest, APlainRecordOnAnotherShardIsStillASuccess) {
  Retrier r = Make();
  auto batch = Batch(1);
  r.OnPutRecordsDone(*batch, Ok("shardId-000000000099"));
  auto done = r.TakeCompletions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].second.status.ok());
}

TEST_F(RetrierTest, AResultCountMismatchRetriesEverything) {
  Retrier r = Make();
  auto batch = Batch(2);
  r.OnPutRecordsDone(*batch, PutRecordsResult{});
  EXPECT_EQ(r.waiting(), 2u);
}

}  // namespace
}  // namespace kedge::kpl
