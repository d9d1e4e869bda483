#include "agent/cli/put_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <sstream>

#include "kpl/aggregated_record.h"

namespace kedge::agent {
namespace {

using ::testing::HasSubstr;

// An HttpClient that does no I/O: Poll() runs what the fake API queued and moves the fake
// clock by the time the caller was willing to wait.
class FakeLoop : public net::HttpClient {
 public:
  explicit FakeLoop(FakeClock& clock) : clock_(clock) {}
  RequestId Start(net::HttpRequest, Callback done) override {
    done(UnimplementedError("not used"));
    return 0;
  }
  void Cancel(RequestId) override {}
  void Unpause(RequestId) override {}
  void Wakeup() override {}
  size_t Poll(std::chrono::milliseconds max_wait) override {
    if (pending_.empty()) {
      clock_.Advance(max_wait);
      return 0;
    }
    auto work = std::move(pending_);
    pending_.clear();
    for (auto& w : work) w();
    return pending_.size();
  }
  void Post(std::function<void()> fn) { pending_.push_back(std::move(fn)); }

 private:
  FakeClock& clock_;
  std::deque<std::function<void()>> pending_;
};

// Accepts records, throttling the first `throttle_first` it sees, or fails whole requests.
class FakeKinesis : public kpl::KinesisApi {
 public:
  explicit FakeKinesis(FakeLoop& loop) : loop_(loop) {}

  void PutRecords(const std::string& stream, const std::vector<kpl::PutRecordsEntry>& entries,
                  Callback<kpl::PutRecordsResult> done) override {
    ++requests;
    request_sizes.push_back(entries.size());
    if (!fail_with.ok() && fail_count != 0) {
      if (fail_count > 0) --fail_count;
      loop_.Post([done, s = fail_with] { done(s); });
      return;
    }
    kpl::PutRecordsResult result;
    for (const auto& e : entries) {
      kpl::PutRecordsResultEntry r;
      if (throttle_first > 0) {
        --throttle_first;
        ++result.failed_record_count;
        r.error_code = "ProvisionedThroughputExceededException";
        r.error_message = "Rate exceeded for shard shardId-000000000000";
      } else {
        r.shard_id = "shardId-000000000000";
        r.sequence_number = std::to_string(++sequence);
        accepted.push_back(e);
      }
      result.records.push_back(r);
    }
    loop_.Post([done, result] { done(result); });
  }
  void ListShards(const std::string&, Callback<std::vector<kpl::Shard>> done) override {
    kpl::Shard all;
    all.shard_id = "shardId-000000000000";
    all.starting_hash_key = "0";
    all.ending_hash_key = "340282366920938463463374607431768211455";
    if (!fail_with.ok() && fail_count < 0) {  // an endpoint that is down fails every call
      loop_.Post([done, s = fail_with] { done(s); });
      return;
    }
    loop_.Post([done, all] { done(std::vector<kpl::Shard>{all}); });
  }
  void DescribeStreamSummary(const std::string&, Callback<kpl::StreamSummary>) override {}
  void CreateStream(const std::string&, int, Callback<bool>) override {}
  void GetShardIterator(const std::string&, const std::string&, const std::string&,
                        const std::string&, Callback<std::string>) override {}
  void GetRecords(const std::string&, int, Callback<kpl::GetRecordsResult>) override {}

  int requests = 0;
  int throttle_first = 0;
  Status fail_with;
  int fail_count = -1;  // how many requests fail with fail_with; -1 = all
  uint64_t sequence = 0;
  std::vector<size_t> request_sizes;
  std::vector<kpl::PutRecordsEntry> accepted;

 private:
  FakeLoop& loop_;
};

class PutCommandTest : public ::testing::Test {
 protected:
  StatusOr<PutSummary> Run(const std::string& input) {
    std::istringstream in(input);
    return RunPut(options_, in, api_, loop_, clock_, err_);
  }
  // The user records that arrived, aggregates opened.
  std::vector<std::string> Delivered() const {
    std::vector<std::string> out;
    for (const auto& e : api_.accepted) {
      for (const auto& r : kpl::Deaggregate(e.data, e.partition_key, e.explicit_hash_key)) {
        out.push_back(r.data);
      }
    }
    return out;
  }
  PutOptions options_ = [] {
    PutOptions o;
    o.stream = "edge-logs";
    return o;
  }();
  FakeClock clock_;
  FakeLoop loop_{clock_};
  FakeKinesis api_{loop_};
  std::ostringstream err_;
};

TEST_F(PutCommandTest, DeliversEveryLineAsOneRecordWithNewlineStripped) {
  options_.aggregation = false;
  auto summary = Run("alpha\nbeta\r\n\ngamma");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->records, 3u);
  EXPECT_EQ(summary->kinesis_records, 3u);
  EXPECT_EQ(summary->bytes, 14u);
  ASSERT_EQ(api_.accepted.size(), 3u);
  EXPECT_EQ(api_.accepted[0].data, "alpha");
  EXPECT_EQ(api_.accepted[1].data, "beta");
  EXPECT_EQ(api_.accepted[2].data, "gamma");
}

TEST_F(PutCommandTest, AggregatesByDefaultIntoFewKinesisRecords) {
  std::string input;
  std::vector<std::string> want;
  for (int i = 0; i < 1200; ++i) {
    want.push_back("{\"n\":" + std::to_string(i) + "}");
    input += want.back() + "\n";
  }
  auto summary = Run(input);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->records, 1200u);
  EXPECT_LE(summary->kinesis_records, 2u);  // 1200 small records fit in one or two aggregates
  EXPECT_EQ(summary->kinesis_records, api_.accepted.size());
  EXPECT_TRUE(kpl::IsAggregated(api_.accepted[0].data));
  EXPECT_EQ(Delivered(), want);
}

TEST_F(PutCommandTest, DefaultPartitionKeysDifferPerRecord) {
  options_.aggregation = false;
  ASSERT_TRUE(Run("a\nb\nc\n").ok());
  EXPECT_NE(api_.accepted[0].partition_key, api_.accepted[1].partition_key);
  EXPECT_NE(api_.accepted[1].partition_key, api_.accepted[2].partition_key);
}

TEST_F(PutCommandTest, PartitionKeyFieldIsReadFromJsonAndMissingFieldIsReportedByLine) {
  options_.aggregation = false;
  options_.partition_key_field = "device_id";
  auto summary = Run("{\"device_id\":\"cam-1\",\"t\":1}\n{\"t\":2}\n{\"device_id\":7}\nnot json\n");
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->records, 2u);
  EXPECT_EQ(summary->invalid_lines, 2u);
  EXPECT_EQ(api_.accepted[0].partition_key, "cam-1");
  EXPECT_EQ(api_.accepted[1].partition_key, "7");
  EXPECT_THAT(err_.str(), HasSubstr("line 2: no field 'device_id'"));
  EXPECT_THAT(err_.str(), HasSubstr("line 4: not a JSON object"));
}

TEST_F(PutCommandTest, WithoutAggregationBatchesAtFiveHundredRecords) {
  options_.aggregation = false;
  std::string input;
  for (int i = 0; i < 1200; ++i) input += "record-" + std::to_string(i) + "\n";
  auto summary = Run(input);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->records, 1200u);
  size_t total = 0;
  for (size_t n : api_.request_sizes) {
    EXPECT_LE(n, 500u);
    total += n;
  }
  EXPECT_EQ(total, 1200u);
  EXPECT_EQ(summary->requests, api_.request_sizes.size());
  EXPECT_GE(summary->requests, 3u);
}

TEST_F(PutCommandTest, ThrottledRecordsAreRetriedUntilAcknowledged) {
  options_.aggregation = false;
  api_.throttle_first = 30;
  std::string input;
  for (int i = 0; i < 100; ++i) input += "r" + std::to_string(i) + "\n";
  auto summary = Run(input);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->records, 100u);
  EXPECT_EQ(summary->retries, 30u);
  EXPECT_EQ(api_.accepted.size(), 100u);
}

TEST_F(PutCommandTest, RecordThatNeverGetsInFailsTheRunWhenItExpires) {
  options_.record_ttl = std::chrono::seconds(10);
  api_.throttle_first = 1000000;
  auto summary = Run("only\n");
  ASSERT_FALSE(summary.ok());
  EXPECT_THAT(summary.status().ToString(), HasSubstr("ProvisionedThroughputExceeded"));
}

TEST_F(PutCommandTest, FatalErrorEndsTheRunWithThatError) {
  api_.fail_with = NotFoundError(
      "PutRecords to stream edge-logs: ResourceNotFoundException: Stream edge-logs not found");
  auto summary = Run("a\nb\n");
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(api_.requests, 1);
}

TEST_F(PutCommandTest, UnreachableEndpointFailsFastBeforeAnyAnswer) {
  api_.fail_with = UnavailableError("connect to 127.0.0.1:9: Connection refused");
  auto summary = Run("a\n");
  ASSERT_FALSE(summary.ok());
  EXPECT_LE(api_.requests, 3);
  EXPECT_THAT(summary.status().message(), HasSubstr("Connection refused"));
}

TEST_F(PutCommandTest, TransientErrorsAfterASuccessAreRetriedUntilDelivered) {
  options_.aggregation = false;
  std::string input;
  for (int i = 0; i < 600; ++i) input += "r\n";
  // The first request succeeds; the next five fail; then the endpoint is back.
  class Flaky : public FakeKinesis {
   public:
    using FakeKinesis::FakeKinesis;
    void PutRecords(const std::string& s, const std::vector<kpl::PutRecordsEntry>& e,
                    Callback<kpl::PutRecordsResult> done) override {
      if (requests == 1) fail_count = 5;
      FakeKinesis::PutRecords(s, e, std::move(done));
    }
  } flaky(loop_);
  flaky.fail_with = UnavailableError("HTTP 503");
  flaky.fail_count = 0;
  std::istringstream in(input);
  auto summary = RunPut(options_, in, flaky, loop_, clock_, err_);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->records, 600u);
  EXPECT_EQ(flaky.accepted.size(), 600u);
  EXPECT_GE(summary->retries, 5u);
}

TEST_F(PutCommandTest, OversizeLineIsRefusedNamingItsLineAndTheLimitWhileTheRestArrive) {
  auto summary = Run("small\n" + std::string(1100 * 1024, 'x') + "\nlast\n");
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->records, 2u);
  EXPECT_EQ(summary->invalid_lines, 1u);
  EXPECT_THAT(err_.str(), HasSubstr("line 2: "));
  EXPECT_THAT(err_.str(), HasSubstr("limit of 1048576 bytes"));
  EXPECT_EQ(Delivered(), (std::vector<std::string>{"small", "last"}));
}

TEST(PutArgsTest, RequiresStreamAndRejectsConflictsAndUnknownOptions) {
  EXPECT_THAT(ParsePutArgs({}).status().message(), HasSubstr("--stream is required"));
  EXPECT_THAT(ParsePutArgs({"--stream", "s", "--partition-key", "k", "--partition-key-field",
                            "f"})
                  .status()
                  .message(),
              HasSubstr("exclude each other"));
  EXPECT_THAT(ParsePutArgs({"--stream", "s", "--bogus"}).status().message(),
              HasSubstr("unknown option --bogus"));
  EXPECT_THAT(ParsePutArgs({"--stream", "s", "--protocol", "xml"}).status().message(),
              HasSubstr("cbor or json"));
  EXPECT_THAT(ParsePutArgs({"--stream", "s", "--rate-limit", "lots"}).status().message(),
              HasSubstr("percentage"));
  auto ok = ParsePutArgs({"--stream", "s", "--protocol", "json", "--no-aggregation",
                          "--rate-limit", "0", "in.txt"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->input, "in.txt");
  EXPECT_EQ(ok->protocol, kpl::WireProtocol::kJson);
  EXPECT_FALSE(ok->aggregation);
  EXPECT_EQ(ok->rate_limit_percent, 0);
}

}  // namespace
}  // namespace kedge::agent
