// The Kinesis Video Streams control plane of kedge-ingest (REST JSON).
#include <gtest/gtest.h>

#include "tests/ingest/ingest_test_client.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;
using testing::Reply;

class KvsControlPlaneTest : public testing::IngestServerTest {
 protected:
  Reply Call(const std::string& path, const json& input) {
    return testing::Post(url_ + path, input.dump(), {{"Content-Type", "application/json"}});
  }
};

TEST_F(KvsControlPlaneTest, CreatesDescribesListsAndDeletesStreams) {
  Reply created = Call("/createStream", {{"StreamName", "cam-1"},
                                         {"MediaType", "video/h264"},
                                         {"DataRetentionInHours", 2},
                                         {"DeviceName", "pi"}});
  ASSERT_EQ(created.status, 200) << created.body;
  std::string arn = created.Json()["StreamARN"];
  EXPECT_EQ(arn.rfind("arn:aws:kinesisvideo:us-east-1:000000000000:stream/cam-1/", 0), 0u) << arn;

  Reply described = Call("/describeStream", {{"StreamName", "cam-1"}});
  ASSERT_EQ(described.status, 200);
  json info = described.Json()["StreamInfo"];
  EXPECT_EQ(info["Status"], "ACTIVE");
  EXPECT_EQ(info["StreamARN"], arn);
  EXPECT_EQ(info["MediaType"], "video/h264");
  EXPECT_EQ(info["DataRetentionInHours"], 2);
  EXPECT_EQ(Call("/describeStream", {{"StreamARN", arn}}).Json()["StreamInfo"]["StreamName"], "cam-1");

  ASSERT_EQ(Call("/createStream", {{"StreamName", "cam-2"}}).status, 200);
  Reply listed = Call("/listStreams", {{"StreamNameCondition",
                                        {{"ComparisonOperator", "BEGINS_WITH"},
                                         {"ComparisonValue", "cam-2"}}}});
  ASSERT_EQ(listed.Json()["StreamInfoList"].size(), 1u);
  EXPECT_EQ(Call("/listStreams", json::object()).Json()["StreamInfoList"].size(), 2u);

  ASSERT_EQ(Call("/deleteStream", {{"StreamARN", arn}}).status, 200);
  Reply gone = Call("/describeStream", {{"StreamName", "cam-1"}});
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.Header("x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_FALSE(gone.Json()["Message"].get<std::string>().empty());
}

TEST_F(KvsControlPlaneTest, AnswersTheServiceErrors) {
  ASSERT_EQ(Call("/createStream", {{"StreamName", "s"}}).status, 200);
  Reply dup = Call("/createStream", {{"StreamName", "s"}});
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(dup.Header("x-amzn-ErrorType"), "ResourceInUseException");
  Reply bad = Call("/createStream", {{"StreamName", "a/b"}});
  EXPECT_EQ(bad.Header("x-amzn-ErrorType"), "InvalidArgumentException");
  Reply garbage = testing::Post(url_ + "/describeStream", "{{", {});
  EXPECT_EQ(garbage.status, 400);
  Reply version = Call("/updateDataRetention", {{"StreamName", "s"},
                                                {"CurrentVersion", "7"},
                                                {"Operation", "INCREASE_DATA_RETENTION"},
                                                {"DataRetentionChangeInHours", 1}});
  EXPECT_EQ(version.Header("x-amzn-ErrorType"), "VersionMismatchException");
}

TEST_F(KvsControlPlaneTest, ChangesRetentionAndBumpsTheVersion) {
  ASSERT_EQ(Call("/createStream", {{"StreamName", "r"}, {"DataRetentionInHours", 1}}).status, 200);
  Reply update = Call("/updateDataRetention", {{"StreamName", "r"},
                                               {"CurrentVersion", "1"},
                                               {"Operation", "INCREASE_DATA_RETENTION"},
                                               {"DataRetentionChangeInHours", 5}});
  ASSERT_EQ(update.status, 200) << update.body;
  json info = Call("/describeStream", {{"StreamName", "r"}}).Json()["StreamInfo"];
  EXPECT_EQ(info["DataRetentionInHours"], 6);
  EXPECT_EQ(info["Version"], "2");
}

TEST_F(KvsControlPlaneTest, TagsStreams) {
  ASSERT_EQ(Call("/createStream", {{"StreamName", "t"}, {"Tags", {{"site", "north"}}}}).status, 200);
  ASSERT_EQ(Call("/tagStream", {{"StreamName", "t"}, {"Tags", {{"cam", "door"}}}}).status, 200);
  EXPECT_EQ(Call("/listTagsForStream", {{"StreamName", "t"}}).Json()["Tags"],
            json({{"cam", "door"}, {"site", "north"}}));
  ASSERT_EQ(Call("/untagStream", {{"StreamName", "t"}, {"TagKeyList", {"site"}}}).status, 200);
  EXPECT_EQ(Call("/listTagsForStream", {{"StreamName", "t"}}).Json()["Tags"], json({{"cam", "door"}}));
  json many = json::object();
  for (int i = 0; i < 51; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(Call("/tagStream", {{"StreamName", "t"}, {"Tags", many}}).Header("x-amzn-ErrorType"),
            "TagsPerResourceExceededLimitException");
}

TEST_F(KvsControlPlaneTest, DataEndpointIsThisServer) {
  ASSERT_EQ(Call("/createStream", {{"StreamName", "e"}}).status, 200);
  Reply endpoint = Call("/getDataEndpoint", {{"StreamName", "e"}, {"APIName", "PUT_MEDIA"}});
  ASSERT_EQ(endpoint.status, 200);
  EXPECT_EQ(endpoint.Json()["DataEndpoint"], url_);
  EXPECT_EQ(Call("/getDataEndpoint", {{"StreamName", "e"}, {"APIName", "NOPE"}}).status, 400);
  EXPECT_EQ(Call("/getDataEndpoint", {{"StreamName", "x"}, {"APIName", "GET_CLIP"}}).status, 404);
}

}  // namespace
}  // namespace kedge::ingest
