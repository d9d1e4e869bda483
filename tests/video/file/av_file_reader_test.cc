// AvFileReader on files made at test time: MP4 (ffmpeg libx264 with B-frames), Matroska and
// MPEG-TS (GStreamer x264enc); every frame comes out, and every frame makes it through the MKV
// fragmenter; missing files, other codecs and audio-only files get errors that say so.
#include "video/file/av_file_reader.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/clock.h"
#include "tests/support/test_util.h"
#include "tests/video/file/media_files.h"
#include "video/mkv/fragmenter.h"

namespace kedge::video {
namespace {

using testing::MediaKind;

struct ReadResult {
  std::vector<Frame> frames;
  uint64_t written = 0;  // by the fragmenter
  uint64_t fragments = 0;
};

// Reads every frame and fragments them as `kedge video upload` does.
ReadResult ReadAndFragment(AvFileReader& reader) {
  ReadResult out;
  mkv::MkvFragmenter::Options options;
  options.input_format = reader.info().nal_format;
  options.codec_private = reader.info().codec_private;
  options.start_time_ms = 1767225600000;
  options.fragment_duration_ns = 500000000;
  auto fragmenter = mkv::MkvFragmenter::Create(options, Clock::Real());
  EXPECT_TRUE(fragmenter.ok()) << fragmenter.status().message();
  if (!fragmenter.ok()) return out;
  while (true) {
    StatusOr<std::optional<Frame>> next = reader.Next();
    EXPECT_TRUE(next.ok()) << next.status().message();
    if (!next.ok() || !*next) break;
    out.frames.push_back(**next);
    auto closed = (*fragmenter)->AddFrame(**next);
    EXPECT_TRUE(closed.ok()) << closed.status().message();
  }
  (*fragmenter)->Flush();
  out.written = (*fragmenter)->stats().frames_written;
  out.fragments = (*fragmenter)->stats().fragments;
  return out;
}

class AvFileReaderTest : public ::testing::TestWithParam<MediaKind> {
 protected:
  std::string dir_ = kedge::testing::MakeTempDir("av-reader");
};

TEST_P(AvFileReaderTest, EveryFrameOfAnH264FileReachesTheFragmenter) {
  std::string path = testing::MakeMediaFile(dir_, GetParam());
  ASSERT_FALSE(path.empty());
  int expected = testing::CountVideoFrames(path);
  ASSERT_GT(expected, 0);
  auto reader = AvFileReader::Open(path, Env::Default());
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  const VideoFileInfo& info = (*reader)->info();
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 240);
  EXPECT_EQ(info.nal_format,
            GetParam() == MediaKind::kTs ? mkv::NalFormat::kAnnexB : mkv::NalFormat::kAvc);
  if (GetParam() != MediaKind::kTs) EXPECT_FALSE(info.codec_private.empty());
  ReadResult read = ReadAndFragment(**reader);
  ASSERT_EQ(read.frames.size(), static_cast<size_t>(expected));
  EXPECT_TRUE(read.frames.front().key);
  EXPECT_EQ(read.frames.front().pts_ns, 0);
  int keys = static_cast<int>(
      std::count_if(read.frames.begin(), read.frames.end(), [](const Frame& f) { return f.key; }));
  EXPECT_GE(keys, expected / 30);
  int64_t last_pts = 0;
  for (const Frame& f : read.frames) last_pts = std::max(last_pts, f.pts_ns);
  EXPECT_NEAR(static_cast<double>(last_pts), (expected - 1) * 1e9 / 30, 2e6);
  EXPECT_EQ(read.written, static_cast<uint64_t>(expected)) << "no frame dropped";
  EXPECT_EQ(read.fragments, static_cast<uint64_t>(keys));
}

INSTANTIATE_TEST_SUITE_P(Containers, AvFileReaderTest,
                         ::testing::Values(MediaKind::kMp4, MediaKind::kMkv, MediaKind::kTs),
                         [](const ::testing::TestParamInfo<MediaKind>& p) {
                           return p.param == MediaKind::kMp4   ? std::string("Mp4")
                                  : p.param == MediaKind::kMkv ? std::string("Matroska")
                                                               : std::string("MpegTs");
                         });

TEST(AvFileReaderErrorTest, AMissingFileIsNamed) {
  std::string path = kedge::testing::MakeTempDir("av-reader") + "/absent.mp4";
  auto reader = AvFileReader::Open(path, Env::Default());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_NE(reader.status().message().find(path + ": no such file"), std::string::npos)
      << reader.status().message();
}

TEST(AvFileReaderErrorTest, VideoThatIsNotH264NamesTheCodecFound) {
  std::string path =
      testing::MakeMediaFile(kedge::testing::MakeTempDir("av-reader"), MediaKind::kMpeg4Mp4, 10);
  ASSERT_FALSE(path.empty());
  auto reader = AvFileReader::Open(path, Env::Default());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reader.status().message().find("the video is mpeg4, not H.264"), std::string::npos)
      << reader.status().message();
}

TEST(AvFileReaderErrorTest, AFileWithoutVideoSaysWhatItHolds) {
  std::string path =
      testing::MakeMediaFile(kedge::testing::MakeTempDir("av-reader"), MediaKind::kAudioM4a);
  ASSERT_FALSE(path.empty());
  auto reader = AvFileReader::Open(path, Env::Default());
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("has no video track (it holds audio aac)"),
            std::string::npos)
      << reader.status().message();
}

TEST(AvFileReaderErrorTest, AFileThatIsNotMediaIsRefused) {
  std::string path = kedge::testing::MakeTempDir("av-reader") + "/notes.mp4";
  ASSERT_TRUE(Env::Default().WriteFileAtomic(path, "these are not the frames you want").ok());
  auto reader = AvFileReader::Open(path, Env::Default());
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("not a media file"), std::string::npos)
      << reader.status().message();
}

}  // namespace
}  // namespace kedge::video
