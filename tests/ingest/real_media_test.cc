// Real H.264 (from ffmpeg's test source, libx264) through PutMedia, back out as an MP4 clip and
// as HLS, decoded by ffprobe: what a user's player would see.
#include <gtest/gtest.h>

#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/raw_connection.h"
#include "tests/video/mkv/mkv_testutil.h"

namespace kedge::ingest {
namespace {

namespace mkvt = video::mkv::testing;
using nlohmann::json;

class RealMediaTest : public testing::IngestServerTest {};

TEST_F(RealMediaTest, FfmpegMkvPlaysBackAsClipAndHls) {
  ASSERT_TRUE(mkvt::RequireTool("ffmpeg"));
  ASSERT_TRUE(mkvt::RequireTool("ffprobe"));
  std::string source = data_dir_ + "/source.mkv";
  std::string output;
  // Four 1-second GOPs; "-live 1" and a pipe give a streamable MKV with a Cluster per key frame
  // and timecodes from 0 (so RELATIVE to the producer start timestamp).
  ASSERT_EQ(mkvt::RunCommand("ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=25 -t 4 "
                             "-c:v libx264 -g 25 -bf 0 -pix_fmt yuv420p -live 1 -f matroska "
                             "pipe:1 > '" + source + "'",
                             &output),
            0)
      << output;
  video::mkv::Bytes mkv = mkvt::ReadFileBytes(source);
  ASSERT_FALSE(mkv.empty());
  ASSERT_EQ(testing::Post(url_ + "/createStream",
                          json{{"StreamName", "real"}, {"DataRetentionInHours", 1}}.dump(), {})
                .status,
            200);
  testing::RawConnection upload(server_->port());
  upload.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              "x-amzn-stream-name: real\r\nx-amzn-fragment-timecode-type: RELATIVE\r\n"
              "x-amzn-producer-start-timestamp: 1767225600\r\n\r\n");
  upload.SendChunk(std::string(mkv.begin(), mkv.end()));
  upload.SendChunk("");
  std::string acks = upload.ReadAll();
  ASSERT_NE(acks.find("\"FragmentTimecode\":3000"), std::string::npos) << acks;

  json range = {{"FragmentSelectorType", "PRODUCER_TIMESTAMP"},
                {"TimestampRange", {{"StartTimestamp", 1767225600}, {"EndTimestamp", 1767225604}}}};
  testing::Reply clip = testing::Post(url_ + "/getClip",
                                      json{{"StreamName", "real"}, {"ClipFragmentSelector", range}}.dump(), {});
  ASSERT_EQ(clip.status, 200) << clip.body;
  std::string clip_path = data_dir_ + "/clip.mp4";
  ASSERT_TRUE(mkvt::WriteFileBytes(clip_path, video::mkv::Bytes(clip.body.begin(), clip.body.end())));
  ASSERT_EQ(mkvt::RunCommand("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                             "stream=codec_name,width,height,nb_read_frames -of csv=p=0 '" +
                                 clip_path + "' 2>&1",
                             &output),
            0);
  EXPECT_EQ(output, "h264,320,240,100\n");  // every frame decodes, no errors printed

  testing::Reply session = testing::Post(
      url_ + "/getHLSStreamingSessionURL",
      json{{"StreamName", "real"}, {"PlaybackMode", "ON_DEMAND"}, {"HLSFragmentSelector", range}}.dump(), {});
  ASSERT_EQ(session.status, 200);
  std::string hls = session.Json()["HLSStreamingSessionURL"];
  ASSERT_EQ(mkvt::RunCommand("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                             "stream=codec_name,nb_read_frames:format=duration -of csv=p=0 '" +
                                 hls + "' 2>&1",
                             &output),
            0);
  EXPECT_NE(output.find("h264,100"), std::string::npos) << output;
  EXPECT_NE(output.find("4.0"), std::string::npos) << output;
}

}  // namespace
}  // namespace kedge::ingest
