// Golden checks with the real tools: H.264 from GStreamer's x264enc goes through MkvFragmenter,
// and mkvinfo (mkvtoolnix) and ffprobe (FFmpeg) must read back the tracks, codec, size, frame
// count, key frames and timestamps. Missing tools fail the test (scripts/install-deps installs
// them); they are never skipped.

#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <sstream>

#include "platform/clock.h"
#include "tests/support/test_util.h"
#include "tests/video/mkv/mkv_testutil.h"
#include "video/mkv/fragment_splitter.h"
#include "video/mkv/fragmenter.h"

namespace kedge::video::mkv {
namespace {

using testing::ReadFileBytes;
using testing::RequireTool;
using testing::RunCommand;

constexpr int64_t kFrameNs = 33333333;

// Splits an Annex-B elementary stream into access units: a new one begins at an access unit
// delimiter, SPS, PPS or SEI after a slice, or at a slice with first_mb_in_slice == 0.
std::vector<Bytes> SplitAccessUnits(const Bytes& stream, std::vector<bool>* keys) {
  std::vector<Bytes> units;
  bool has_slice = false, key = false;
  Bytes current;
  auto flush = [&] {
    if (!current.empty() && has_slice) {
      units.push_back(current);
      keys->push_back(key);
    }
    current.clear();
    has_slice = key = false;
  };
  for (const NalUnit& n : SplitAnnexB(stream.data(), stream.size())) {
    int type = n.type();
    bool slice = type == 1 || type == nal::kIdr;
    bool starts_picture = slice && n.size > 1 && (n.data[1] & 0x80);  // first_mb_in_slice == 0
    if (has_slice && (type == nal::kAud || type == nal::kSps || type == nal::kPps ||
                      type == nal::kSei || starts_picture)) {
      flush();
    }
    current.insert(current.end(), {0, 0, 0, 1});
    current.insert(current.end(), n.data, n.data + n.size);
    has_slice |= slice;
    key |= type == nal::kIdr;
  }
  flush();
  return units;
}

class GoldenToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = kedge::testing::MakeTempDir("kedge-mkv-golden"); }
  void TearDown() override {
    std::string out;
    RunCommand("rm -rf '" + dir_ + "'", &out);
  }

  // Encodes `frames` frames of videotestsrc at width x height with a key frame every 15.
  bool Encode(int frames, int width, int height, std::string* path) {
    *path = dir_ + "/in_" + std::to_string(width) + ".h264";
    std::ostringstream cmd;
    cmd << "gst-launch-1.0 -q videotestsrc num-buffers=" << frames
        << " ! video/x-raw,width=" << width << ",height=" << height << ",framerate=30/1"
        << " ! x264enc key-int-max=15 option-string=scenecut=0 bframes=0"
        << " ! video/x-h264,stream-format=byte-stream ! filesink location=" << *path;
    std::string out;
    int rc = RunCommand(cmd.str(), &out);
    EXPECT_EQ(rc, 0) << cmd.str() << "\n" << out;
    return rc == 0;
  }

  // Fragments the Annex-B file into an MKV file (one session, EoFR tags at the end).
  std::string MakeMkv(const std::string& h264, std::vector<bool>* keys, FragmentInfo* first) {
    std::vector<Bytes> units = SplitAccessUnits(ReadFileBytes(h264), keys);
    MkvFragmenter::Options o;
    o.input_format = NalFormat::kAnnexB;
    o.default_frame_duration_ns = kFrameNs;
    o.stream_name = "golden";
    auto f = MkvFragmenter::Create(o, clock_);
    EXPECT_TRUE(f.ok());
    Bytes body;
    auto append = [&](const Fragment& fr) {
      if (fr.info.starts_session) *first = fr.info;
      body.insert(body.end(), fr.header.begin(), fr.header.end());
      body.insert(body.end(), fr.bytes.begin(), fr.bytes.end());
      fragments_.push_back(fr.info);
    };
    for (size_t i = 0; i < units.size(); ++i) {
      Frame frame;
      frame.data = units[i];
      frame.pts_ns = frame.dts_ns = static_cast<int64_t>(i) * kFrameNs;
      frame.duration_ns = kFrameNs;
      frame.key = (*keys)[i];
      auto out = (*f)->AddFrame(frame);
      EXPECT_TRUE(out.ok()) << out.status().ToString();
      if (out.ok() && *out) append(**out);
    }
    if (auto last = (*f)->Flush()) append(*last);
    Bytes eofr = MkvFragmenter::EndOfFragmentTags();
    body.insert(body.end(), eofr.begin(), eofr.end());
    std::string path = h264 + ".mkv";
    EXPECT_TRUE(testing::WriteFileBytes(path, body));
    return path;
  }

  FakeClock clock_;  // 2026-01-01T00:00:00Z
  std::string dir_;
  std::vector<FragmentInfo> fragments_;
};

TEST_F(GoldenToolsTest, MkvinfoAndFfprobeReadBackARealH264Stream) {
  if (!RequireTool("gst-launch-1.0") || !RequireTool("mkvinfo") || !RequireTool("ffprobe")) return;
  std::string h264;
  ASSERT_TRUE(Encode(60, 320, 240, &h264));
  std::vector<bool> keys;
  FragmentInfo first;
  std::string mkv = MakeMkv(h264, &keys, &first);
  ASSERT_EQ(keys.size(), 60u);
  ASSERT_EQ(fragments_.size(), 4u);  // key frames at 0, 15, 30, 45

  std::string info;
  ASSERT_EQ(RunCommand("mkvinfo '" + mkv + "'", &info), 0) << info;
  EXPECT_EQ(info.find("Error"), std::string::npos) << info;
  EXPECT_NE(info.find("Codec ID: V_MPEG4/ISO/AVC"), std::string::npos) << info;
  EXPECT_NE(info.find("Pixel width: 320"), std::string::npos) << info;
  EXPECT_NE(info.find("Pixel height: 240"), std::string::npos) << info;
  EXPECT_NE(info.find("scale: 1000000"), std::string::npos) << info;  // Timestamp/Timecode scale
  EXPECT_NE(info.find("Track type: video"), std::string::npos) << info;

  std::string verbose;
  ASSERT_EQ(RunCommand("mkvinfo -v '" + mkv + "'", &verbose), 0);
  auto count = [&](const std::string& pattern) {
    std::regex re(pattern);
    return std::distance(std::sregex_iterator(verbose.begin(), verbose.end(), re),
                         std::sregex_iterator());
  };
  EXPECT_EQ(count(R"(\+ Cluster\n)"), 4);
  EXPECT_EQ(count(R"(\+ Simple block: )"), 60);
  EXPECT_EQ(count(R"(\+ Simple block: key, )"), 4);
  EXPECT_EQ(count(R"(Name: AWS_KINESISVIDEO_END_OF_FRAGMENT)"), 1);

  std::string stream;
  ASSERT_EQ(RunCommand("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                       "stream=codec_name,width,height,nb_read_frames -of default=nw=1 '" +
                           mkv + "'",
                       &stream),
            0)
      << stream;
  EXPECT_EQ(stream.find("rror"), std::string::npos) << stream;  // ffprobe -v error: nothing
  EXPECT_NE(stream.find("codec_name=h264"), std::string::npos) << stream;
  EXPECT_NE(stream.find("width=320"), std::string::npos) << stream;
  EXPECT_NE(stream.find("height=240"), std::string::npos) << stream;
  EXPECT_NE(stream.find("nb_read_frames=60"), std::string::npos) << stream;  // all decode

  std::string packets;
  ASSERT_EQ(RunCommand("ffprobe -v error -select_streams v:0 -show_entries packet=pts,flags "
                       "-of csv=p=0 '" +
                           mkv + "'",
                       &packets),
            0)
      << packets;
  std::istringstream lines(packets);
  std::string line;
  int n = 0;
  int64_t wall_ms = ToUnixMillis(clock_.WallNow());
  const std::regex packet_line(R"(^(\d+),(\S*)$)");
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::smatch m;
    if (!std::regex_match(line, m, packet_line)) {
      ADD_FAILURE() << "unexpected ffprobe output: " << line;  // an error or warning line
      continue;
    }
    int64_t pts = std::stoll(m[1].str());
    bool key = m[2].str().find('K') != std::string::npos;
    EXPECT_EQ(pts, wall_ms + n * kFrameNs / 1000000) << "packet " << n;  // epoch ms
    EXPECT_EQ(key, n % 15 == 0) << "packet " << n;
    ++n;
  }
  EXPECT_EQ(n, 60);
  EXPECT_EQ(first.timecode_ms, wall_ms);
}

TEST_F(GoldenToolsTest, CroppedSizeFromTheSpsReachesTheTrackHeader) {
  if (!RequireTool("gst-launch-1.0") || !RequireTool("ffprobe")) return;
  std::string h264;
  ASSERT_TRUE(Encode(2, 1920, 1080, &h264));  // coded as 1088 lines, cropped to 1080
  std::vector<bool> keys;
  FragmentInfo first;
  std::string mkv = MakeMkv(h264, &keys, &first);
  auto split = SplitMkv(ReadFileBytes(mkv).data(), ReadFileBytes(mkv).size());
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->headers.size(), 1u);
  EXPECT_EQ(split->headers[0].tracks.at(0).width, 1920u);
  EXPECT_EQ(split->headers[0].tracks.at(0).height, 1080u);
  std::string stream;
  ASSERT_EQ(RunCommand("ffprobe -v error -select_streams v:0 -show_entries stream=width,height "
                       "-of default=nw=1 '" +
                           mkv + "'",
                       &stream),
            0);
  EXPECT_NE(stream.find("height=1080"), std::string::npos) << stream;
}

TEST_F(GoldenToolsTest, MatroskamuxOutputParsesAndSplitsIntoFragments) {
  if (!RequireTool("gst-launch-1.0")) return;
  // A producer that is not kedge: GStreamer's own Matroska muxer, streamable (unknown sizes).
  std::string path = dir_ + "/mux.mkv";
  std::string out;
  std::string cmd =
      "gst-launch-1.0 -q videotestsrc num-buffers=45 ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! x264enc key-int-max=15 option-string=scenecut=0 bframes=0 ! h264parse"
      " ! matroskamux streamable=true min-cluster-duration=0 ! filesink location=" +
      path;
  ASSERT_EQ(RunCommand(cmd, &out), 0) << out;
  Bytes data = ReadFileBytes(path);
  MkvParser::Options syntax;
  syntax.kvs_rules = false;  // matroskamux starts at running time 0 and may cut elsewhere
  auto split = SplitMkv(data.data(), data.size(), syntax);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->headers.size(), 1u);
  EXPECT_EQ(split->headers[0].tracks.at(0).codec_id, kAvcCodecId);
  uint32_t frames = 0;
  for (const StoredFragment& f : split->fragments) frames += f.frame_count;
  EXPECT_EQ(frames, 45u);
}

TEST_F(GoldenToolsTest, MkvmergeOutputWithKnownSizesParsesAndEachFragmentStandsAlone) {
  if (!RequireTool("gst-launch-1.0") || !RequireTool("mkvmerge")) return;
  // mkvmerge writes known sizes, SeekHead, Cues, Void and statistics Tags: the other side of
  // what the parser must accept.
  std::string h264;
  ASSERT_TRUE(Encode(45, 320, 240, &h264));
  std::string path = dir_ + "/merged.mkv";
  std::string out;
  ASSERT_EQ(RunCommand("mkvmerge -q -o " + path + " --default-duration 0:30fps " + h264, &out), 0)
      << out;
  Bytes data = ReadFileBytes(path);
  MkvParser::Options syntax;
  syntax.kvs_rules = false;  // mkvmerge cuts clusters by time, not at key frames
  auto split = SplitMkv(data.data(), data.size(), syntax);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->headers.size(), 1u);
  ASSERT_FALSE(split->fragments.empty());
  uint32_t frames = 0, keys = 0;
  for (const StoredFragment& f : split->fragments) {
    frames += f.frame_count;
    keys += f.key_frames;
  }
  EXPECT_EQ(frames, 45u);
  EXPECT_EQ(keys, 3u);

  testing::RecordingListener events;
  ASSERT_TRUE(testing::ParseInChunks(data, 4096, events, syntax).ok());
  ASSERT_GE(events.events.size(), 2u);
  EXPECT_EQ(events.events[1].find("unknown"), std::string::npos) << events.events[1];  // known

  // The stored header has its Segment size rewritten to unknown, so header + one fragment is a
  // complete stream on its own (what GetMedia-style reads serve).
  Bytes alone = split->headers[0].bytes;
  const Bytes& first = split->fragments[0].bytes;
  alone.insert(alone.end(), first.begin(), first.end());
  auto again = SplitMkv(alone.data(), alone.size(), syntax);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->fragments.size(), 1u);
  EXPECT_EQ(again->fragments[0].frame_count, split->fragments[0].frame_count);
}

}  // namespace
}  // namespace kedge::video::mkv
