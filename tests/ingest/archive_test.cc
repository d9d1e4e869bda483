// Archived media: fragments uploaded with PutMedia are listed, fetched as MKV and cut into MP4.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "ingest/archive/remuxer.h"
#include "ingest/kvs/kvs_store.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/mkv_stream.h"
#include "tests/ingest/raw_connection.h"
#include "tests/support/test_util.h"
#include "tests/video/mkv/mkv_testutil.h"
#include "video/mkv/fragment_splitter.h"

namespace kedge::ingest {
namespace {

using nlohmann::json;

class ArchiveTest : public testing::IngestServerTest {
 protected:
  void SetUp() override {
    IngestServerTest::SetUp();
    ASSERT_EQ(Call("/createStream", {{"StreamName", "cam"}, {"DataRetentionInHours", 24}}).status, 200);
    mkv_ = testing::MakeMkvStream(clock_, 4, 25);  // four 1-second fragments
    testing::RawConnection conn(server_->port());
    conn.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              "x-amzn-stream-name: cam\r\n\r\n");
    conn.SendChunk(mkv_.All());
    conn.SendChunk("");
    std::string answer = conn.ReadAll();
    ASSERT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  }
  testing::Reply Call(const std::string& path, const json& input) {
    return testing::Post(url_ + path, input.dump(), {{"Content-Type", "application/json"}});
  }
  json ProducerRange(double start_s, double end_s) {
    return {{"FragmentSelectorType", "PRODUCER_TIMESTAMP"},
            {"TimestampRange", {{"StartTimestamp", start_s}, {"EndTimestamp", end_s}}}};
  }
  double FragmentSeconds(int i) const { return static_cast<double>(mkv_.timecodes[i]) / 1000.0; }

  testing::MkvStream mkv_;
};

TEST_F(ArchiveTest, ListsFragmentsByProducerTimestampRangeWithPaging) {
  testing::Reply all = Call("/listFragments", {{"StreamName", "cam"}});
  ASSERT_EQ(all.status, 200) << all.body;
  json fragments = all.Json()["Fragments"];
  ASSERT_EQ(fragments.size(), 4u);
  EXPECT_DOUBLE_EQ(fragments[0]["ProducerTimestamp"].get<double>(), FragmentSeconds(0));
  EXPECT_EQ(fragments[0]["FragmentLengthInMilliseconds"], 1000);
  EXPECT_EQ(fragments[0]["FragmentSizeInBytes"], mkv_.fragments[0].size());

  testing::Reply middle = Call("/listFragments", {{"StreamName", "cam"},
                                                  {"FragmentSelector",
                                                   ProducerRange(FragmentSeconds(1), FragmentSeconds(2))}});
  ASSERT_EQ(middle.Json()["Fragments"].size(), 2u);
  EXPECT_EQ(middle.Json()["Fragments"][0]["FragmentNumber"], fragments[1]["FragmentNumber"]);

  testing::Reply page = Call("/listFragments", {{"StreamName", "cam"}, {"MaxResults", 3}});
  ASSERT_EQ(page.Json()["Fragments"].size(), 3u);
  testing::Reply next = Call("/listFragments",
                             {{"StreamName", "cam"}, {"NextToken", page.Json()["NextToken"]}});
  ASSERT_EQ(next.Json()["Fragments"].size(), 1u);
  EXPECT_EQ(next.Json()["Fragments"][0]["FragmentNumber"], fragments[3]["FragmentNumber"]);
}

TEST_F(ArchiveTest, ReturnsListedFragmentsAsMkvWithServiceTags) {
  json fragments = Call("/listFragments", {{"StreamName", "cam"}}).Json()["Fragments"];
  testing::Reply media = Call("/getMediaForFragmentList",
                              {{"StreamName", "cam"},
                               {"Fragments", {fragments[1]["FragmentNumber"], fragments[2]["FragmentNumber"]}}});
  ASSERT_EQ(media.status, 200) << media.body;
  EXPECT_EQ(media.Header("Content-Type"), "video/webm");
  video::mkv::MkvParser::Options options;
  options.allow_multiple_segments = true;
  auto split = video::mkv::SplitMkv(reinterpret_cast<const uint8_t*>(media.body.data()),
                                    media.body.size(), options);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->headers.size(), 2u);  // every fragment carries its header
  ASSERT_EQ(split->fragments.size(), 2u);
  EXPECT_EQ(split->fragments[0].timecode, mkv_.timecodes[1]);
  std::map<std::string, std::string> tags;
  for (const auto& tag : split->fragments[1].tags) tags[tag.name] = tag.value;
  EXPECT_EQ(tags["AWS_KINESISVIDEO_FRAGMENT_NUMBER"], fragments[2]["FragmentNumber"]);
  EXPECT_FALSE(tags["AWS_KINESISVIDEO_SERVER_TIMESTAMP"].empty());

  testing::Reply missing = Call("/getMediaForFragmentList",
                                {{"StreamName", "cam"}, {"Fragments", {"913438523330000000000000000000000000000099999"}}});
  EXPECT_EQ(missing.status, 404);
}

TEST_F(ArchiveTest, CutsAPlayableMp4Clip) {
  testing::Reply clip = Call("/getClip", {{"StreamName", "cam"},
                                          {"ClipFragmentSelector",
                                           ProducerRange(FragmentSeconds(0), FragmentSeconds(2))}});
  ASSERT_EQ(clip.status, 200) << clip.body;
  EXPECT_EQ(clip.Header("Content-Type"), "video/mp4");
  ASSERT_GT(clip.body.size(), 8u);
  EXPECT_EQ(clip.body.substr(4, 4), "ftyp");
  if (!video::mkv::testing::RequireTool("ffprobe")) return;
  std::string path = data_dir_ + "/clip.mp4";
  ASSERT_TRUE(video::mkv::testing::WriteFileBytes(
      path, video::mkv::Bytes(clip.body.begin(), clip.body.end())));
  std::string output;
  ASSERT_EQ(video::mkv::testing::RunCommand(
                "ffprobe -v fatal -count_packets -select_streams v:0 -show_entries "
                "stream=codec_name,width,height,nb_read_packets -of csv=p=0 '" + path + "' 2>&1",
                &output),
            0)
      << output;
  EXPECT_NE(output.find("h264,320,240,75"), std::string::npos) << output;  // 3 fragments x 25

  testing::Reply empty = Call("/getClip", {{"StreamName", "cam"},
                                           {"ClipFragmentSelector", ProducerRange(1, 2)}});
  EXPECT_EQ(empty.status, 404);
}

}  // namespace
}  // namespace kedge::ingest

namespace kedge::ingest {
namespace {

// The lines of a playlist that are segment URIs.
std::vector<std::string> Segments(const std::string& playlist) {
  std::vector<std::string> uris;
  std::istringstream lines(playlist);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#') uris.push_back(line);
  }
  return uris;
}

TEST_F(ArchiveTest, PlaysBackOnDemandOverHls) {
  testing::Reply session = Call("/getHLSStreamingSessionURL",
                                {{"StreamName", "cam"},
                                 {"PlaybackMode", "ON_DEMAND"},
                                 {"HLSFragmentSelector", ProducerRange(FragmentSeconds(0), FragmentSeconds(3))}});
  ASSERT_EQ(session.status, 200) << session.body;
  std::string master_url = session.Json()["HLSStreamingSessionURL"];
  ASSERT_EQ(master_url.rfind(url_ + "/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=", 0), 0u);
  testing::Reply master = testing::Get(master_url);
  ASSERT_EQ(master.status, 200);
  std::vector<std::string> variants = Segments(master.body);
  ASSERT_EQ(variants.size(), 1u);
  std::string base = url_ + "/hls/v1/";
  testing::Reply media = testing::Get(base + variants[0]);
  ASSERT_EQ(media.status, 200);
  EXPECT_NE(media.body.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_NE(media.body.find("#EXT-X-MEDIA-SEQUENCE:0"), std::string::npos);
  EXPECT_NE(media.body.find("#EXTINF:1.000,"), std::string::npos);
  std::vector<std::string> segments = Segments(media.body);
  ASSERT_EQ(segments.size(), 4u);
  testing::Reply ts = testing::Get(base + segments[1]);
  ASSERT_EQ(ts.status, 200) << ts.body;
  EXPECT_EQ(ts.Header("Content-Type"), "video/mp2t");
  ASSERT_GE(ts.body.size(), 188u);
  EXPECT_EQ(ts.body[0], 0x47);  // MPEG-TS sync byte
  EXPECT_EQ(ts.body.size() % 188, 0u);
  if (!video::mkv::testing::RequireTool("ffprobe")) return;
  std::string path = data_dir_ + "/segment.ts";
  ASSERT_TRUE(video::mkv::testing::WriteFileBytes(path, video::mkv::Bytes(ts.body.begin(), ts.body.end())));
  std::string output;
  ASSERT_EQ(video::mkv::testing::RunCommand(
                "ffprobe -v fatal -count_packets -select_streams v:0 -show_entries "
                "stream=codec_name,nb_read_packets:format=start_time -of csv=p=0 '" + path + "' 2>&1",
                &output),
            0);
  EXPECT_NE(output.find("h264,25"), std::string::npos) << output;
  // The second segment starts about one second after the session's first.
  EXPECT_NE(output.find("\n1.000000"), std::string::npos) << output;
}

TEST_F(ArchiveTest, LivePlaylistsSlideAndKeepSequenceNumbers) {
  testing::Reply session = Call("/getHLSStreamingSessionURL",
                                {{"StreamName", "cam"}, {"PlaybackMode", "LIVE"},
                                 {"MaxMediaPlaylistFragmentResults", 2}});
  ASSERT_EQ(session.status, 200) << session.body;
  std::string token = session.Json()["HLSStreamingSessionURL"].get<std::string>();
  token = token.substr(token.find("SessionToken=") + 13);
  testing::Reply media = testing::Get(url_ + "/hls/v1/getHLSMediaPlaylist.m3u8?SessionToken=" + token);
  ASSERT_EQ(media.status, 200);
  EXPECT_EQ(media.body.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(Segments(media.body).size(), 2u);
  EXPECT_NE(media.body.find("#EXT-X-MEDIA-SEQUENCE:0"), std::string::npos);

  testing::Reply bad = testing::Get(url_ + "/hls/v1/getHLSMediaPlaylist.m3u8?SessionToken=nope");
  EXPECT_EQ(bad.status, 403);
  clock_.Advance(std::chrono::minutes(6));  // past the default 300 s expiry
  EXPECT_EQ(testing::Get(url_ + "/hls/v1/getHLSMediaPlaylist.m3u8?SessionToken=" + token).status, 403);
}

}  // namespace
}  // namespace kedge::ingest
