// `kedge video upload FILE` end to end: files made at test time (MP4 by ffmpeg with B-frames,
// Matroska and MPEG-TS by GStreamer) uploaded to kedge-ingest (in process, SigV4 required); the
// fragments stored hold exactly the file's frames. Clear errors for a missing file, a file that
// is not H.264 and one without video.
#include <gtest/gtest.h>

#include "platform/aws/credential_providers.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"
#include "tests/video/file/media_files.h"
#include "tests/video/kvs/kvs_ingest_fixture.h"
#include "video/file/file_upload.h"

namespace kedge::video {
namespace {

using testing::MediaKind;

class VideoUploadTest : public testing::KvsIngestFixture {
 protected:
  kedge::testing::ProcessResult Upload(const std::string& file, const std::string& stream,
                                       std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kedge::testing::BinaryPath("agent/kedge"),
                                     "video",
                                     "upload",
                                     file,
                                     "--stream",
                                     stream,
                                     "--create",
                                     "--endpoint",
                                     url_,
                                     "--fragment-seconds",
                                     "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return kedge::testing::RunProcess(argv, KedgeEnv(home_));
  }

  std::string home_ = kedge::testing::MakeTempDir("upload-home");
  std::string dir_ = kedge::testing::MakeTempDir("upload-media");
};

class VideoUploadContainerTest : public VideoUploadTest,
                                 public ::testing::WithParamInterface<MediaKind> {};

TEST_P(VideoUploadContainerTest, StoresExactlyTheFramesOfTheFile) {
  std::string path = testing::MakeMediaFile(dir_, GetParam(), 150);
  ASSERT_FALSE(path.empty());
  int frames = testing::CountVideoFrames(path);
  ASSERT_EQ(frames, 150);
  kedge::testing::ProcessResult run =
      Upload(path, "upload", {"--start-time", "2026-01-02T03:04:05.250Z"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("H.264 320x240"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("progress: 100%"), std::string::npos) << "plain lines when not a TTY\n"
                                                               << run.out;
  EXPECT_NE(run.out.find("150 frames read, 150 written"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(" 0 left in "), std::string::npos) << run.out;
  testing::StoredMedia media = FetchMedia("upload");
  EXPECT_EQ(media.frames, static_cast<uint32_t>(frames));
  EXPECT_EQ(media.codec_id, "V_MPEG4/ISO/AVC");
  EXPECT_GE(media.fragments, 5u);  // a key frame every 30 frames, 1-second fragments
  std::vector<int64_t> times = ListFragments("upload");
  ASSERT_FALSE(times.empty());
  EXPECT_EQ(times.front(), 1767323045250) << "the first fragment starts at --start-time";
}

INSTANTIATE_TEST_SUITE_P(Containers, VideoUploadContainerTest,
                         ::testing::Values(MediaKind::kMp4, MediaKind::kMkv, MediaKind::kTs),
                         [](const ::testing::TestParamInfo<MediaKind>& p) {
                           return p.param == MediaKind::kMp4   ? std::string("Mp4")
                                  : p.param == MediaKind::kMkv ? std::string("Matroska")
                                                               : std::string("MpegTs");
                         });

TEST_F(VideoUploadTest, AFileLargerThanTheStoreIsUploadedWhole) {
  std::string path = testing::MakeMediaFile(dir_, MediaKind::kMkv, 300);  // ~10 x 40 KB
  ASSERT_FALSE(path.empty());
  kvs::FragmentPipelineOptions options;
  options.name = "big";
  options.store.dir = kedge::testing::MakeTempDir("upload-store");
  options.store.max_bytes = 128 << 10;  // reading pauses above 64 KiB
  options.upload.stream_name = "big";
  options.upload.region = "us-east-1";
  options.upload.control_endpoint = url_;
  options.upload.create_stream = true;
  options.fragment_duration_ms = 1000;
  aws::StaticCredentialsProvider credentials(testing::kIngestCredentials);
  auto upload = FileUpload::Open(path, options, credentials, Clock::Real(), Env::Default());
  ASSERT_TRUE(upload.ok()) << upload.status().message();
  Status ran = (*upload)->Run();
  ASSERT_TRUE(ran.ok()) << ran.message();
  FileUploadStats stats = (*upload)->stats();
  EXPECT_EQ(stats.frames_read, 300u);
  EXPECT_GE(stats.pipeline.fragments_stored, 10u);
  EXPECT_GT(stats.pipeline.upload.bytes_sent, 2u * options.store.max_bytes) << "a real test";
  EXPECT_EQ(stats.pipeline.store.dropped_full, 0u) << "the reader waited for room instead";
  EXPECT_EQ(stats.pipeline.store_errors, 0u);
  EXPECT_EQ(stats.pipeline.store.fragments, 0u);
  EXPECT_EQ(FetchMedia("big").frames, 300u);
}

TEST_F(VideoUploadTest, AMissingFileIsNamed) {
  kedge::testing::ProcessResult run = Upload(dir_ + "/absent.mp4", "upload");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("absent.mp4: no such file"), std::string::npos) << run.err;
}

TEST_F(VideoUploadTest, VideoThatIsNotH264IsRefusedNamingItsCodec) {
  std::string path = testing::MakeMediaFile(dir_, MediaKind::kMpeg4Mp4, 10);
  ASSERT_FALSE(path.empty());
  kedge::testing::ProcessResult run = Upload(path, "upload");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("the video is mpeg4, not H.264"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("frames read"), std::string::npos) << "refused before anything is sent";
}

TEST_F(VideoUploadTest, AFileWithoutVideoIsRefused) {
  std::string path = testing::MakeMediaFile(dir_, MediaKind::kAudioM4a);
  ASSERT_FALSE(path.empty());
  kedge::testing::ProcessResult run = Upload(path, "upload");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("has no video track"), std::string::npos) << run.err;
}

TEST_F(VideoUploadTest, AStreamThatDoesNotExistFailsWithoutCreate) {
  std::string path = testing::MakeMediaFile(dir_, MediaKind::kMkv, 30);
  ASSERT_FALSE(path.empty());
  kedge::testing::ProcessResult run =
      kedge::testing::RunProcess({kedge::testing::BinaryPath("agent/kedge"), "video", "upload",
                                  path, "--stream", "absent", "--endpoint", url_},
                                 KedgeEnv(home_));
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.err.find("ResourceNotFoundException"), std::string::npos) << run.err;
}

TEST_F(VideoUploadTest, UsageErrorsExitTwo) {
  kedge::testing::ProcessResult run = kedge::testing::RunProcess(
      {kedge::testing::BinaryPath("agent/kedge"), "video", "upload", "--stream", "x"},
      KedgeEnv(home_));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("name the FILE to upload"), std::string::npos) << run.err;
  run = kedge::testing::RunProcess({kedge::testing::BinaryPath("agent/kedge"), "video", "upload",
                                    "f.mp4", "--stream", "x", "--start-time", "yesterday"},
                                   KedgeEnv(home_));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--start-time 'yesterday'"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace kedge::video
