// The web console's page and JSON API (the browser side is in console/console_browser_test.cc),
// and its authorization when credentials are configured.
#include <gtest/gtest.h>

#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/mkv_stream.h"
#include "ingest/web/console_service.h"
#include "tests/ingest/raw_connection.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

class ConsoleApiTest : public testing::IngestServerTest {
 protected:
  void SetUp() override {
    IngestServerTest::SetUp();
    ASSERT_EQ(testing::Post(url_ + "/createStream",
                            json{{"StreamName", "cam"}, {"DataRetentionInHours", 1}}.dump(), {}).status, 200);
    mkv_ = testing::MakeMkvStream(clock_, 3, 25);
    testing::RawConnection conn(server_->port());
    conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              "x-amzn-stream-name: cam\r\n\r\n");
    conn.SendChunk(mkv_.All());
    conn.SendChunk("");
    ASSERT_NE(conn.ReadAll().find("PERSISTED"), std::string::npos);
    ASSERT_EQ(testing::CallJson(url_, "Kinesis_20131202.CreateStream",
                                {{"StreamName", "logs"}, {"ShardCount", 2}}).status, 200);
    json records = json::array();
    for (int i = 0; i < 5; ++i) {
      records.push_back({{"Data", "aGVsbG8="}, {"PartitionKey", "key-" + std::to_string(i)}});
    }
    records.push_back({{"Data", "AAEC/w=="}, {"PartitionKey", "binary"}});
    ASSERT_EQ(testing::CallJson(url_, "Kinesis_20131202.PutRecords",
                                {{"StreamName", "logs"}, {"Records", records}}).status, 200);
    ASSERT_EQ(testing::CallJson(url_, "Firehose_20150804.PutRecordBatch",
                                {{"DeliveryStreamName", "metrics"},
                                 {"Records", {{{"Data", "b25l"}}, {{"Data", "dHdv"}}}}}).status, 200);
  }
  json Api(const std::string& path) {
    testing::Reply reply = testing::Get(url_ + "/console/api/" + path);
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
    return reply.Json();
  }
  testing::MkvStream mkv_;
};

TEST_F(ConsoleApiTest, ServesThePageWithoutAnythingFromElsewhere) {
  testing::Reply page = testing::Get(url_ + "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script src=\"console/hls.min.js\">"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  EXPECT_NE(page.Header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  testing::Reply hls_js = testing::Get(url_ + "/console/hls.min.js");
  if (ConsoleService::HasHlsJs()) {
    EXPECT_EQ(hls_js.status, 200);
    EXPECT_NE(hls_js.body.find("MediaSource"), std::string::npos);
  } else {
    EXPECT_EQ(hls_js.status, 404);
  }
}

TEST_F(ConsoleApiTest, ListsEveryKindOfStreamWithItsTotals) {
  json streams = Api("streams");
  ASSERT_EQ(streams["video"].size(), 1u);
  EXPECT_EQ(streams["video"][0]["name"], "cam");
  EXPECT_EQ(streams["video"][0]["fragments"], 3);
  size_t bytes = 0;
  for (const std::string& f : mkv_.fragments) bytes += f.size();
  EXPECT_EQ(streams["video"][0]["bytes"], bytes);
  EXPECT_EQ(streams["video"][0]["first_ms"], mkv_.timecodes[0]);
  EXPECT_EQ(streams["video"][0]["last_ms"], mkv_.timecodes[2] + 1000);
  EXPECT_EQ(streams["data"], json::parse(R"([{"name":"logs","mode":"PROVISIONED","shards":2,"records":6}])"));
  EXPECT_EQ(streams["firehose"], json::parse(R"([{"name":"metrics"}])"));
  EXPECT_EQ(streams["hlsjs"], ConsoleService::HasHlsJs());
}

TEST_F(ConsoleApiTest, ShowsNewestFragmentsRecordsAndDeliveries) {
  json fragments = Api("fragments?stream=cam&limit=2")["fragments"];
  ASSERT_EQ(fragments.size(), 2u);
  EXPECT_EQ(fragments[0]["producer_ms"], mkv_.timecodes[1]);  // oldest first
  EXPECT_EQ(fragments[1]["duration_ms"], 1000);

  json records = Api("records?stream=logs&limit=3")["records"];
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["partition_key"], "binary");  // newest first
  EXPECT_EQ(records[0]["base64"], "AAEC/w==");
  EXPECT_EQ(records[1]["text"], "hello");
  EXPECT_EQ(records[1]["shard"].get<std::string>().rfind("shardId-", 0), 0u);

  json deliveries = Api("deliveries?stream=metrics");
  EXPECT_EQ(deliveries["file_count"], 1);
  ASSERT_EQ(deliveries["newest_lines"].size(), 2u);
  EXPECT_EQ(deliveries["newest_lines"][0]["text"], "two");
  EXPECT_EQ(deliveries["files"][0]["bytes"], 8);

  EXPECT_EQ(testing::Get(url_ + "/console/api/records?stream=none").status, 404);
  EXPECT_EQ(testing::Get(url_ + "/console/api/deliveries?stream=../x").status, 400);
}

TEST_F(ConsoleApiTest, HandsOutRelativeHlsSessionUrls) {
  json live = Api("hls?stream=cam&mode=LIVE");
  std::string url = live["url"];
  ASSERT_EQ(url.rfind("/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=", 0), 0u) << url;
  EXPECT_EQ(testing::Get(url_ + url).status, 200);
  json from = Api("hls?stream=cam&mode=ON_DEMAND&start=" + std::to_string(mkv_.timecodes[1]));
  std::string token = from["url"].get<std::string>().substr(from["url"].get<std::string>().find('=') + 1);
  testing::Reply playlist = testing::Get(url_ + "/hls/v1/getHLSMediaPlaylist.m3u8?SessionToken=" + token);
  ASSERT_EQ(playlist.status, 200);
  EXPECT_NE(playlist.body.find("#EXT-X-ENDLIST"), std::string::npos);
  size_t segments = 0;
  for (size_t at = playlist.body.find("getTSFragment"); at != std::string::npos;
       at = playlist.body.find("getTSFragment", at + 1)) {
    ++segments;
  }
  EXPECT_EQ(segments, 2u) << playlist.body;  // from the second of three fragments
  EXPECT_EQ(testing::Get(url_ + "/console/api/hls?stream=none&mode=LIVE").status, 404);
}

// With credentials configured the console wants its token; the page, its API and the HLS URLs
// it hands out work with it, and nothing of it works without.
class ConsoleTokenTest : public testing::IngestServerTest {
 protected:
  void Configure(IngestOptions* options) override {
    options->credentials.push_back({"AKIDCONSOLE", "secret", "", {}});
    options->console_token = "t0ken";
  }
};

TEST_F(ConsoleTokenTest, ConsoleNeedsItsTokenWhenCredentialsAreConfigured) {
  EXPECT_EQ(server_->console_url(), url_ + "/?token=t0ken");
  EXPECT_EQ(testing::Get(url_ + "/").status, 403);
  EXPECT_EQ(testing::Get(url_ + "/console/api/streams").status, 403);
  EXPECT_EQ(testing::Get(url_ + "/console/api/streams?token=wrong").status, 403);
  testing::Reply page = testing::Get(url_ + "/?token=t0ken");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<title>kedge-ingest</title>"), std::string::npos);
  testing::Reply streams = testing::Get(url_ + "/console/api/streams?token=t0ken");
  EXPECT_EQ(streams.status, 200);
  EXPECT_TRUE(streams.Json().contains("video")) << streams.body;
  // The signed APIs are not opened by the console token.
  EXPECT_EQ(testing::Post(url_ + "/listStreams?token=t0ken", "{}", {}).status, 403);
}

}  // namespace
}  // namespace kedge::ingest
