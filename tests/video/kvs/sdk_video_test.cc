// Done-when of issues #6 and #7. kedge-ingest enforces SigV4; the AWS SDK for JavaScript v3
// creates the stream and gets its PUT_MEDIA data endpoint; `kedge video put --source test
// --duration 12` uploads to it; the SDK lists the fragments (>= 5), fetches them with
// GetMediaForFragmentList into a file that ffprobe reads as Matroska H.264 with >= 300 frames
// (counted by decoding), and GetClip returns an MP4 that ffprobe accepts.
// Needs node and the npm packages scripts/install-deps puts in .peers/, gst x264enc, ffprobe.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <regex>

#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"
#include "tests/video/kvs/kvs_ingest_fixture.h"
#include "tests/video/mkv/mkv_testutil.h"

namespace kedge::video {
namespace {

using mkv::testing::RequireTool;
using mkv::testing::RunCommand;

class SdkVideoTest : public testing::KvsIngestFixture {
 protected:
  // Runs the SDK script; returns its output (stdout + stderr), failing the test on exit != 0.
  std::string Sdk(const std::string& args) {
    std::string peers = kedge::testing::SourceDir() + "/.peers";
    std::string command =
        "NODE_NO_WARNINGS=1 KEDGE_PEERS='" + peers +
        "' AWS_ACCESS_KEY_ID=" + testing::kIngestCredentials.access_key_id +
        " AWS_SECRET_ACCESS_KEY=" + testing::kIngestCredentials.secret_access_key + " node '" +
        kedge::testing::SourceDir() + "/tests/video/kvs/sdk_video_check.cjs' " + args;
    std::string output;
    EXPECT_EQ(RunCommand(command, &output), 0) << command << "\n" << output;
    return output;
  }

  // ffprobe's answer for the first video stream of `path` (csv, no keys), or "" on failure.
  static std::string Probe(const std::string& path, const std::string& options) {
    std::string output;
    int rc =
        RunCommand("ffprobe -v error " + options + " -of csv=p=0 '" + path + "' 2>&1", &output);
    EXPECT_EQ(rc, 0) << path << ": " << output;
    return output;
  }
};

TEST_F(SdkVideoTest, SdkReadsBackWhatKedgeVideoPutUploadedWithSigV4) {
  std::string peers = kedge::testing::SourceDir() + "/.peers";
  ASSERT_TRUE(Env::Default().FileExists(peers + "/node_modules/@aws-sdk/client-kinesis-video"))
      << "run scripts/install-deps: it installs the AWS SDK for JavaScript into " << peers;
  ASSERT_TRUE(RequireTool("node"));
  ASSERT_TRUE(RequireTool("ffprobe"));

  std::smatch m;
  std::string created = Sdk("create " + url_ + " done-when");
  ASSERT_TRUE(std::regex_search(created, m, std::regex("endpoint (http://[0-9.:]+)"))) << created;
  std::string data_endpoint = m[1].str();

  std::string home = kedge::testing::MakeTempDir("sdk-video-home");
  kedge::testing::ProcessResult put =
      kedge::testing::RunProcess({kedge::testing::BinaryPath("agent/kedge"), "video", "put",
                                  "--source", "test", "--duration", "12", "--stream", "done-when",
                                  "--endpoint", data_endpoint, "--width", "640", "--height", "360"},
                                 KedgeEnv(home));
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;

  std::string dir = kedge::testing::MakeTempDir("sdk-video-out");
  std::string read = Sdk("read " + url_ + " done-when " + dir);
  ASSERT_TRUE(std::regex_search(read, m, std::regex("fragments ([0-9]+)"))) << read;
  EXPECT_GE(std::atoi(m[1].str().c_str()), 5) << read;

  std::string mkv = dir + "/fragments.mkv";
  EXPECT_NE(Probe(mkv, "-show_entries format=format_name").find("matroska"), std::string::npos);
  std::string stream = Probe(mkv,
                             "-count_frames -select_streams v:0 -show_entries "
                             "stream=codec_name,nb_read_frames");
  ASSERT_TRUE(std::regex_search(stream, m, std::regex("h264,([0-9]+)"))) << stream;
  int frames = std::atoi(m[1].str().c_str());
  EXPECT_GE(frames, 300) << "12 s at 30 fps, every frame decoded";
  EXPECT_LE(frames, 12 * 30 + 30);

  ASSERT_TRUE(std::regex_search(read, m, std::regex("clip ([0-9]+) (\\S+)"))) << read;
  EXPECT_EQ(m[2].str(), "video/mp4");
  std::string mp4 = dir + "/clip.mp4";
  EXPECT_NE(Probe(mp4, "-show_entries format=format_name").find("mp4"), std::string::npos);
  std::string clip = Probe(mp4,
                           "-count_packets -select_streams v:0 -show_entries "
                           "stream=codec_name,nb_read_packets");
  ASSERT_TRUE(std::regex_search(clip, m, std::regex("h264,([0-9]+)"))) << clip;
  int clip_frames = std::atoi(m[1].str().c_str());
  EXPECT_GE(clip_frames, 300) << "the clip covers every fragment";
  std::printf("SDK read back: %s; Matroska frames decoded %d; clip frames %d\n",
              std::regex_replace(read, std::regex("\n"), ", ").c_str(), frames, clip_frames);
}

}  // namespace
}  // namespace kedge::video
