// KinesisClient and FirehoseClient against an in-process HTTP endpoint: what goes on the wire
// (target, content type, SigV4, JSON and CBOR bodies) and how answers and errors come back.

#include "kpl/kinesis_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "kpl/firehose_client.h"
#include "platform/aws/credential_providers.h"
#include "platform/aws/sigv4_verifier.h"
#include "tests/support/http_client_test_util.h"
#include "tests/support/test_http_server.h"

namespace kedge::kpl {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::TestHttpRequest;
using testing::TestHttpResponse;

class KinesisClientTest : public ::testing::TestWithParam<WireProtocol> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    http_ = net::NewCurlHttpClient({});
    client_ = std::make_unique<KinesisClient>(
        *http_, credentials_, clock_,
        KinesisClientOptions{server_.Url("/"), "eu-west-1", GetParam()});
  }

  bool cbor() const { return GetParam() == WireProtocol::kCbor; }

  // Decodes a request body in the protocol under test.
  json Body(const TestHttpRequest& r) const {
    return cbor() ? json::from_cbor(r.body) : json::parse(r.body);
  }
  TestHttpResponse Answer(const json& body, int status = 200) const {
    TestHttpResponse out;
    out.status = status;
    out.headers = {{"Content-Type", cbor() ? "application/x-amz-cbor-1.1"
                                           : "application/x-amz-json-1.1"}};
    if (cbor()) {
      auto bytes = json::to_cbor(body);
      out.body.assign(bytes.begin(), bytes.end());
    } else {
      out.body = body.dump();
    }
    return out;
  }

  template <typename T, typename Fn>
  StatusOr<T> Run(Fn&& call) {
    std::optional<StatusOr<T>> result;
    call([&](StatusOr<T> r) { result.emplace(std::move(r)); });
    EXPECT_TRUE(testing::PollUntil(*http_, [&] { return result.has_value(); }));
    return result ? std::move(*result) : StatusOr<T>(InternalError("no answer"));
  }

  std::mutex mu_;
  std::function<TestHttpResponse(const TestHttpRequest&)> handler_;
  testing::TestHttpServer server_{[this](const TestHttpRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    return handler_(r);
  }};
  FakeClock clock_;
  aws::StaticCredentialsProvider credentials_{
      aws::Credentials{"AKIDCLIENT", "client-secret", "", std::nullopt}};
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<KinesisClient> client_;
};

TEST_P(KinesisClientTest, PutRecordsSendsSignedRequestWithBlobsAndReadsPerRecordResults) {
  std::vector<TestHttpRequest> seen;
  handler_ = [&](const TestHttpRequest& r) {
    seen.push_back(r);
    return Answer({{"FailedRecordCount", 1},
                   {"Records",
                    {{{"ShardId", "shardId-000000000001"}, {"SequenceNumber", "4960"}},
                     {{"ErrorCode", "ProvisionedThroughputExceededException"},
                      {"ErrorMessage", "Rate exceeded"}}}}});
  };
  std::vector<PutRecordsEntry> entries = {{std::string("\x00\xff bin", 6), "pk1", ""},
                                          {"two", "pk2", "12345"}};
  auto result = Run<PutRecordsResult>(
      [&](auto done) { client_->PutRecords("edge-logs", entries, std::move(done)); });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->failed_record_count, 1);
  ASSERT_EQ(result->records.size(), 2u);
  EXPECT_TRUE(result->records[0].ok());
  EXPECT_EQ(result->records[0].shard_id, "shardId-000000000001");
  EXPECT_EQ(result->records[1].error_code, "ProvisionedThroughputExceededException");

  ASSERT_EQ(seen.size(), 1u);
  const TestHttpRequest& r = seen[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.Header("x-amz-target"), "Kinesis_20131202.PutRecords");
  EXPECT_EQ(r.Header("content-type"),
            cbor() ? "application/x-amz-cbor-1.1" : "application/x-amz-json-1.1");
  json body = Body(r);
  EXPECT_EQ(body["StreamName"], "edge-logs");
  ASSERT_EQ(body["Records"].size(), 2u);
  auto data = AwsJsonClient::BlobValue(body["Records"][0]["Data"]);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, std::string("\x00\xff bin", 6));
  EXPECT_EQ(body["Records"][0]["Data"].is_binary(), cbor());  // no base64 in CBOR
  EXPECT_EQ(body["Records"][1]["ExplicitHashKey"], "12345");
  EXPECT_FALSE(body["Records"][0].contains("ExplicitHashKey"));

  // The signature is valid for service kinesis in the client's region.
  aws::SigV4Verifier verifier(
      [](std::string_view) -> std::optional<std::string> { return "client-secret"; }, clock_);
  aws::IncomingRequest in{r.method, r.path, r.headers, {}, r.body};
  aws::ApiError error;
  auto id = verifier.Verify(in, &error);
  ASSERT_TRUE(id.has_value()) << error.code << ": " << error.message;
  EXPECT_EQ(id->service, "kinesis");
  EXPECT_EQ(id->region, "eu-west-1");
}

TEST_P(KinesisClientTest, PutRecordsCarriesPartitionKeysThatNeedEscapingIntact) {
  std::vector<TestHttpRequest> seen;
  handler_ = [&](const TestHttpRequest& r) {
    seen.push_back(r);
    return Answer({{"FailedRecordCount", 0},
                   {"Records",
                    {{{"ShardId", "shardId-000000000001"}, {"SequenceNumber", "1"}},
                     {{"ShardId", "shardId-000000000001"}, {"SequenceNumber", "2"}}}}});
  };
  const std::string quoted = "say \"hi\"\\ \t\n";
  const std::string unicode = "caf\xc3\xa9-\xe2\x82\xac";
  std::vector<PutRecordsEntry> entries = {{"one", quoted, ""}, {"two", unicode, ""}};
  auto result = Run<PutRecordsResult>(
      [&](auto done) { client_->PutRecords("edge \"logs\"", entries, std::move(done)); });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(seen.size(), 1u);
  json body = Body(seen[0]);
  EXPECT_EQ(body["StreamName"], "edge \"logs\"");
  EXPECT_EQ(body["Records"][0]["PartitionKey"], quoted);
  EXPECT_EQ(body["Records"][1]["PartitionKey"], unicode);
  auto data = AwsJsonClient::BlobValue(body["Records"][1]["Data"]);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "two");
}

TEST_P(KinesisClientTest, ListShardsFollowsNextTokenPages) {
  handler_ = [&](const TestHttpRequest& r) {
    json body = Body(r);
    auto shard = [](const std::string& id, const std::string& start, const std::string& end,
                    bool closed) {
      json s = {{"ShardId", id},
                {"HashKeyRange", {{"StartingHashKey", start}, {"EndingHashKey", end}}},
                {"SequenceNumberRange", {{"StartingSequenceNumber", "1"}}}};
      if (closed) s["SequenceNumberRange"]["EndingSequenceNumber"] = "9";
      return s;
    };
    if (!body.contains("NextToken")) {
      EXPECT_EQ(body["StreamName"], "s");
      return Answer({{"Shards", {shard("shardId-0", "0", "99", true)}}, {"NextToken", "page2"}});
    }
    EXPECT_FALSE(body.contains("StreamName"));  // the service refuses both together
    EXPECT_EQ(body["NextToken"], "page2");
    return Answer({{"Shards", {shard("shardId-1", "100", "199", false)}}});
  };
  auto shards =
      Run<std::vector<Shard>>([&](auto done) { client_->ListShards("s", std::move(done)); });
  ASSERT_TRUE(shards.ok()) << shards.status().ToString();
  ASSERT_EQ(shards->size(), 2u);
  EXPECT_EQ((*shards)[0].shard_id, "shardId-0");
  EXPECT_FALSE((*shards)[0].open);
  EXPECT_TRUE((*shards)[1].open);
  EXPECT_EQ((*shards)[1].starting_hash_key, "100");
  EXPECT_EQ((*shards)[1].ending_hash_key, "199");
}

TEST_P(KinesisClientTest, ServiceErrorBecomesClassifiedStatusWithTheAwsCode) {
  handler_ = [&](const TestHttpRequest&) {
    return Answer({{"__type", "ResourceNotFoundException"},
                   {"message", "Stream edge-logs under account 1 not found."}},
                  400);
  };
  auto result = Run<PutRecordsResult>(
      [&](auto done) { client_->PutRecords("edge-logs", {{"x", "k", ""}}, std::move(done)); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(),
              HasSubstr("PutRecords to stream edge-logs: ResourceNotFoundException: Stream"));
}

// Found by fuzz_kinesis_cbor: an error answer whose CBOR text strings were not UTF-8 threw
// while it was turned into text.
TEST_P(KinesisClientTest, ErrorAnswerWithInvalidUtf8IsAnErrorNotACrash) {
  handler_ = [&](const TestHttpRequest&) {
    if (cbor()) return Answer({{"__type", "ThrottlingException"}, {"message", "slow\xac"}}, 400);
    TestHttpResponse out = Answer(json::object(), 400);  // dump() would refuse bad UTF-8
    out.body = "{\"__type\":\"ThrottlingException\",\"message\":\"slow\xac\"}";
    return out;
  };
  auto result = Run<PutRecordsResult>(
      [&](auto done) { client_->PutRecords("s", {{"x", "k", ""}}, std::move(done)); });
  ASSERT_FALSE(result.ok());
  // CBOR keeps the code (the message is repaired); JSON with bad UTF-8 is not JSON at all.
  if (cbor()) {
    EXPECT_THAT(result.status().message(), HasSubstr("ThrottlingException"));
  }
}

// Found by fuzz_kinesis_cbor: a CBOR array claiming 2^62 items made the decoder throw although
// it was asked not to.
TEST_P(KinesisClientTest, CborArrayWithAnImpossibleLengthIsAnErrorNotACrash) {
  for (int status : {200, 400}) {
    handler_ = [&](const TestHttpRequest&) {
      TestHttpResponse out = Answer(json::object(), status);
      out.body = std::string("\x9b\x45\x79\x12\x34\x56\x78\x9a\xbc", 9);
      return out;
    };
    auto result = Run<PutRecordsResult>(
        [&](auto done) { client_->PutRecords("s", {{"x", "k", ""}}, std::move(done)); });
    EXPECT_FALSE(result.ok()) << status;
  }
}

TEST_P(KinesisClientTest, MalformedAnswerIsAnErrorNotACrash) {
  handler_ = [&](const TestHttpRequest&) {
    TestHttpResponse out;
    out.headers = {{"Content-Type", cbor() ? "application/x-amz-cbor-1.1"
                                           : "application/x-amz-json-1.1"}};
    out.body = "\xff\x01{garbage";
    return out;
  };
  auto result = Run<PutRecordsResult>(
      [&](auto done) { client_->PutRecords("s", {{"x", "k", ""}}, std::move(done)); });
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("not valid"));

  handler_ = [&](const TestHttpRequest&) { return Answer({{"Records", json::array()}}); };
  result = Run<PutRecordsResult>(
      [&](auto done) { client_->PutRecords("s", {{"x", "k", ""}}, std::move(done)); });
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("answered 0 records for 1 sent"));
}

// Found by fuzz_kinesis_json: ListShards threw (and the agent terminated) on an answer that
// was valid JSON but not an object.
TEST_P(KinesisClientTest, AnswerThatIsNotAnObjectIsAnErrorNotACrash) {
  for (const json& answer : {json(1), json::array({1, 2}), json("Shards"), json(nullptr)}) {
    handler_ = [&](const TestHttpRequest&) { return Answer(answer); };
    auto shards =
        Run<std::vector<Shard>>([&](auto done) { client_->ListShards("s", std::move(done)); });
    ASSERT_FALSE(shards.ok()) << answer.dump();
    EXPECT_THAT(shards.status().message(), HasSubstr("not a"));
    auto put = Run<PutRecordsResult>(
        [&](auto done) { client_->PutRecords("s", {{"x", "k", ""}}, std::move(done)); });
    EXPECT_FALSE(put.ok()) << answer.dump();
  }
}

TEST_P(KinesisClientTest, DescribeCreateAndGetRecordsRoundTrip) {
  handler_ = [&](const TestHttpRequest& r) {
    std::string target(r.Header("x-amz-target"));
    if (target.find("DescribeStreamSummary") != std::string::npos) {
      return Answer({{"StreamDescriptionSummary",
                      {{"StreamName", "s"},
                       {"StreamStatus", "ACTIVE"},
                       {"OpenShardCount", 2},
                       {"RetentionPeriodHours", 24}}}});
    }
    if (target.find("CreateStream") != std::string::npos) {
      EXPECT_EQ(Body(r)["ShardCount"], 3);
      TestHttpResponse empty;  // the service answers CreateStream with no body
      return empty;
    }
    json data = cbor() ? json::binary({'h', 'i'}) : json("aGk=");
    return Answer({{"Records",
                    {{{"Data", data},
                      {"PartitionKey", "k"},
                      {"SequenceNumber", "7"},
                      {"ApproximateArrivalTimestamp", 1767225600.5}}}},
                   {"NextShardIterator", "it2"},
                   {"MillisBehindLatest", 0}});
  };
  auto summary = Run<StreamSummary>(
      [&](auto done) { client_->DescribeStreamSummary("s", std::move(done)); });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->stream_status, "ACTIVE");
  EXPECT_EQ(summary->open_shard_count, 2);
  auto created = Run<bool>([&](auto done) { client_->CreateStream("s", 3, std::move(done)); });
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  auto page = Run<GetRecordsResult>([&](auto done) { client_->GetRecords("it", 10, std::move(done)); });
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].data, "hi");
  EXPECT_EQ(page->records[0].approximate_arrival_ms, 1767225600500);
  EXPECT_EQ(page->next_shard_iterator, "it2");
}

INSTANTIATE_TEST_SUITE_P(Protocols, KinesisClientTest,
                         ::testing::Values(WireProtocol::kJson, WireProtocol::kCbor),
                         [](const auto& info) {
                           return info.param == WireProtocol::kJson ? "Json" : "Cbor";
                         });

TEST(FirehoseClientTest, PutRecordBatchSendsBase64AndReadsPerRecordResults) {
  std::vector<TestHttpRequest> seen;
  std::mutex mu;
  testing::TestHttpServer server([&](const TestHttpRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(r);
    TestHttpResponse out;
    out.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    out.body = json{{"FailedPutCount", 1},
                    {"RequestResponses",
                     {{{"RecordId", "r1"}},
                      {{"ErrorCode", "ServiceUnavailableException"}, {"ErrorMessage", "busy"}}}}}
                   .dump();
    return out;
  });
  ASSERT_TRUE(server.Start().ok());
  auto http = net::NewCurlHttpClient({});
  FakeClock clock;
  aws::StaticCredentialsProvider credentials(aws::Credentials{"AK", "SK", "", std::nullopt});
  FirehoseClient client(*http, credentials, clock, {server.Url("/"), "us-east-1"});
  std::optional<StatusOr<PutRecordBatchResult>> result;
  client.PutRecordBatch("delivery", {"a\n", "b\n"},
                        [&](StatusOr<PutRecordBatchResult> r) { result.emplace(std::move(r)); });
  ASSERT_TRUE(testing::PollUntil(*http, [&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ((*result)->failed_put_count, 1);
  EXPECT_TRUE((*result)->records[0].ok());
  EXPECT_EQ((*result)->records[1].error_code, "ServiceUnavailableException");
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Header("x-amz-target"), "Firehose_20150804.PutRecordBatch");
  json body = json::parse(seen[0].body);
  EXPECT_EQ(body["DeliveryStreamName"], "delivery");
  EXPECT_EQ(body["Records"][0]["Data"], "YQo=");
  EXPECT_NE(seen[0].Header("authorization").find("/us-east-1/firehose/aws4_request"),
            std::string::npos);
}

// Found by fuzz_kinesis_json: a count too large for an integer was converted anyway
// (undefined behaviour), and a Firehose member of an unexpected type threw.
TEST(ResponseParsersTest, OutOfRangeNumbersAndMembersOfOtherTypesAreNotFatal) {
  auto put = ParsePutRecordsResponse(
      json{{"FailedRecordCount", 1e300}, {"Records", {{{"SequenceNumber", "1"}}}}}, 1);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->failed_record_count, 0);
  auto batch = ParsePutRecordBatchResponse(
      json{{"FailedPutCount", -1e300}, {"RequestResponses", {{{"RecordId", 7}}}}}, 1);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->failed_put_count, 0);
  EXPECT_EQ(batch->records[0].error_code, "InternalFailure");
}

}  // namespace
}  // namespace kedge::kpl
