// The Kinesis Data Streams API of kedge-ingest, over HTTP, in JSON and CBOR.
#include <gtest/gtest.h>

#include "ingest/kinesis/kinesis_store.h"
#include "ingest/server/aws_json_protocol.h"
#include "platform/crypto.h"
#include "tests/ingest/ingest_test_client.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;
using testing::CallJson;
using testing::Post;
using testing::Reply;

class KinesisApiTest : public testing::IngestServerTest {
 protected:
  Reply Call(const std::string& op, const json& input) {
    return CallJson(url_, "Kinesis_20131202." + op, input);
  }
  void CreateStream(const std::string& name, int shards) {
    Reply reply = Call("CreateStream", {{"StreamName", name}, {"ShardCount", shards}});
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  std::string Iterator(const std::string& stream, const std::string& shard,
                       const std::string& type, const std::string& seq = "") {
    json input = {{"StreamName", stream}, {"ShardId", shard}, {"ShardIteratorType", type}};
    if (!seq.empty()) input["StartingSequenceNumber"] = seq;
    Reply reply = Call("GetShardIterator", input);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.Json().value("ShardIterator", "");
  }
};

TEST_F(KinesisApiTest, CreatesStreamWithEvenlySplitShards) {
  CreateStream("logs", 4);
  Reply reply = Call("ListShards", {{"StreamName", "logs"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json shards = reply.Json()["Shards"];
  ASSERT_EQ(shards.size(), 4u);
  EXPECT_EQ(shards[0]["ShardId"], "shardId-000000000000");
  EXPECT_EQ(shards[0]["HashKeyRange"]["StartingHashKey"], "0");
  EXPECT_EQ(shards[1]["HashKeyRange"]["StartingHashKey"], "85070591730234615865843651857942052864");
  EXPECT_EQ(shards[3]["HashKeyRange"]["EndingHashKey"], "340282366920938463463374607431768211455");

  Reply summary = Call("DescribeStreamSummary", {{"StreamName", "logs"}});
  EXPECT_EQ(summary.Json()["StreamDescriptionSummary"]["OpenShardCount"], 4);
  EXPECT_EQ(summary.Json()["StreamDescriptionSummary"]["StreamStatus"], "ACTIVE");
  Reply list = Call("ListStreams", json::object());
  EXPECT_EQ(list.Json()["StreamNames"], json::array({"logs"}));
}

TEST_F(KinesisApiTest, AnswersErrorsInTheServiceShape) {
  CreateStream("dup", 1);
  Reply again = Call("CreateStream", {{"StreamName", "dup"}, {"ShardCount", 1}});
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.Json()["__type"], "ResourceInUseException");
  Reply missing = Call("DescribeStream", {{"StreamName", "nope"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.Json()["__type"], "ResourceNotFoundException");
  EXPECT_EQ(missing.Header("x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_NE(missing.Json()["message"].get<std::string>().find("nope"), std::string::npos);
  Reply unknown = Call("SplitShard", {{"StreamName", "dup"}});
  EXPECT_EQ(unknown.Json()["__type"], "UnknownOperationException");
  Reply garbage = Post(url_ + "/", "{not json", {{"Content-Type", "application/x-amz-json-1.1"},
                                                 {"X-Amz-Target", "Kinesis_20131202.PutRecord"}});
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.Json()["__type"], "SerializationException");
}

TEST_F(KinesisApiTest, RoutesByMd5OfPartitionKeyOrExplicitHashKey) {
  CreateStream("routed", 2);
  // MD5("a") starts 0x0c (lower half), MD5("b") starts 0x92 (upper half).
  Reply reply = Call("PutRecords",
                     {{"StreamName", "routed"},
                      {"Records",
                       {{{"Data", Base64Encode("x")}, {"PartitionKey", "a"}},
                        {{"Data", Base64Encode("y")}, {"PartitionKey", "b"}},
                        {{"Data", Base64Encode("z")},
                         {"PartitionKey", "a"},
                         {"ExplicitHashKey", "340282366920938463463374607431768211455"}}}}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json records = reply.Json()["Records"];
  EXPECT_EQ(reply.Json()["FailedRecordCount"], 0);
  EXPECT_EQ(records[0]["ShardId"], "shardId-000000000000");
  EXPECT_EQ(records[1]["ShardId"], "shardId-000000000001");
  EXPECT_EQ(records[2]["ShardId"], "shardId-000000000001");
  EXPECT_LT(records[1]["SequenceNumber"].get<std::string>(),
            records[2]["SequenceNumber"].get<std::string>());
}

TEST_F(KinesisApiTest, ReadsBackWhatWasPutInOrderThroughIterators) {
  CreateStream("read", 1);
  std::vector<std::string> sequences;
  for (int i = 0; i < 5; ++i) {
    Reply put = Call("PutRecord", {{"StreamName", "read"},
                                   {"Data", Base64Encode("record-" + std::to_string(i))},
                                   {"PartitionKey", "k" + std::to_string(i)}});
    ASSERT_EQ(put.status, 200) << put.body;
    sequences.push_back(put.Json()["SequenceNumber"]);
  }
  std::string it = Iterator("read", "shardId-000000000000", "TRIM_HORIZON");
  Reply first = Call("GetRecords", {{"ShardIterator", it}, {"Limit", 3}});
  ASSERT_EQ(first.status, 200) << first.body;
  json records = first.Json()["Records"];
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(*Base64Decode(records[0]["Data"].get<std::string>()), "record-0");
  EXPECT_EQ(records[2]["SequenceNumber"], sequences[2]);
  EXPECT_GE(first.Json()["MillisBehindLatest"].get<int64_t>(), 0);
  Reply rest = Call("GetRecords", {{"ShardIterator", first.Json()["NextShardIterator"]}});
  ASSERT_EQ(rest.Json()["Records"].size(), 2u);
  EXPECT_EQ(rest.Json()["Records"][1]["PartitionKey"], "k4");

  std::string after = Iterator("read", "shardId-000000000000", "AFTER_SEQUENCE_NUMBER", sequences[3]);
  Reply tail = Call("GetRecords", {{"ShardIterator", after}});
  ASSERT_EQ(tail.Json()["Records"].size(), 1u);
  std::string latest = Iterator("read", "shardId-000000000000", "LATEST");
  EXPECT_TRUE(Call("GetRecords", {{"ShardIterator", latest}}).Json()["Records"].empty());
}

TEST_F(KinesisApiTest, AnswersMembersOfTheWrongTypeWithoutFalling) {
  CreateStream("typed", 1);
  Reply reply = Call("ListStreams", {{"Limit", "ten"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.Json()["__type"], "SerializationException");
  Reply kvs = Post(url_ + "/listFragments", "{\"StreamName\": 5}", {});
  EXPECT_EQ(kvs.status, 400);
  EXPECT_EQ(Call("DescribeStreamSummary", {{"StreamName", "typed"}}).status, 200);  // still up
}

TEST_F(KinesisApiTest, IteratorsExpireAfterFiveMinutes) {
  CreateStream("old", 1);
  std::string it = Iterator("old", "shardId-000000000000", "TRIM_HORIZON");
  clock_.Advance(std::chrono::minutes(6));
  Reply reply = Call("GetRecords", {{"ShardIterator", it}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.Json()["__type"], "ExpiredIteratorException");
}

TEST_F(KinesisApiTest, RejectsRecordsBeyondTheServiceLimits) {
  CreateStream("limits", 1);
  Reply big = Call("PutRecord", {{"StreamName", "limits"},
                                 {"Data", Base64Encode(std::string(1024 * 1024 + 1, 'x'))},
                                 {"PartitionKey", "k"}});
  EXPECT_EQ(big.Json()["__type"], "InvalidArgumentException");
  json many = json::array();
  for (int i = 0; i < 501; ++i) many.push_back({{"Data", ""}, {"PartitionKey", "k"}});
  EXPECT_EQ(Call("PutRecords", {{"StreamName", "limits"}, {"Records", many}}).Json()["__type"],
            "InvalidArgumentException");
  Reply no_key = Call("PutRecord", {{"StreamName", "limits"}, {"Data", ""}, {"PartitionKey", ""}});
  EXPECT_EQ(no_key.Json()["__type"], "InvalidArgumentException");
  Reply bad_hash = Call("PutRecord", {{"StreamName", "limits"}, {"Data", ""}, {"PartitionKey", "k"},
                                      {"ExplicitHashKey", "-5"}});
  EXPECT_EQ(bad_hash.Json()["__type"], "InvalidArgumentException");
}

TEST_F(KinesisApiTest, SpeaksCborWithByteStringData) {
#if !KEDGE_INGEST_HAS_CBOR
  GTEST_SKIP() << "nlohmann_json < 3.9: CBOR is not supported by this build";
#else
  CreateStream("cbor", 1);
  json put = {{"StreamName", "cbor"},
              {"Data", json::binary({0x00, 0xff, 0x10})},
              {"PartitionKey", "pk"}};
  std::vector<uint8_t> body = json::to_cbor(put);
  Reply reply = Post(url_ + "/", std::string(body.begin(), body.end()),
                     {{"Content-Type", "application/x-amz-cbor-1.1"},
                      {"X-Amz-Target", "Kinesis_20131202.PutRecord"}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("Content-Type"), "application/x-amz-cbor-1.1");
  json answer = json::from_cbor(reply.body);
  EXPECT_EQ(answer["ShardId"], "shardId-000000000000");

  std::string it = Iterator("cbor", "shardId-000000000000", "TRIM_HORIZON");
  std::vector<uint8_t> get = json::to_cbor(json{{"ShardIterator", it}});
  Reply records = Post(url_ + "/", std::string(get.begin(), get.end()),
                       {{"Content-Type", "application/x-amz-cbor-1.1"},
                        {"X-Amz-Target", "Kinesis_20131202.GetRecords"}});
  json got = json::from_cbor(records.body);
  ASSERT_EQ(got["Records"].size(), 1u);
  ASSERT_TRUE(got["Records"][0]["Data"].is_binary());
  EXPECT_EQ(got["Records"][0]["Data"].get_binary(), std::vector<uint8_t>({0x00, 0xff, 0x10}));
  EXPECT_TRUE(got["Records"][0]["ApproximateArrivalTimestamp"].is_number_integer());
#endif
}

TEST_F(KinesisApiTest, KeepsStreamsAndRecordsAcrossRestarts) {
  CreateStream("durable", 2);
  ASSERT_EQ(Call("PutRecord", {{"StreamName", "durable"}, {"Data", Base64Encode("kept")},
                               {"PartitionKey", "a"}}).status, 200);
  Restart();
  std::string it = Iterator("durable", "shardId-000000000000", "TRIM_HORIZON");
  Reply reply = Call("GetRecords", {{"ShardIterator", it}});
  ASSERT_EQ(reply.Json()["Records"].size(), 1u);
  EXPECT_EQ(*Base64Decode(reply.Json()["Records"][0]["Data"].get<std::string>()), "kept");
  ASSERT_EQ(Call("DeleteStream", {{"StreamName", "durable"}}).status, 200);
  EXPECT_EQ(Call("DescribeStream", {{"StreamName", "durable"}}).Json()["__type"],
            "ResourceNotFoundException");
}

TEST(SequenceNumberTest, FormatsAndParsesFiftySixDigits) {
  std::string text = FormatSequenceNumber(12345);
  EXPECT_EQ(text.size(), 56u);
  EXPECT_EQ(*ParseSequenceNumber(text), 12345);
  EXPECT_LT(FormatSequenceNumber(99), FormatSequenceNumber(100));
  EXPECT_FALSE(ParseSequenceNumber("12345").ok());
}

}  // namespace
}  // namespace kedge::ingest
