// GstCapture against real GStreamer pipelines (videotestsrc, files made with gst-launch-1.0).
// Sources use num-buffers, so every run ends on end of stream: no sleeps, no timing.

#include "video/capture/gst_capture.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "platform/logging.h"
#include "tests/support/test_util.h"
#include "video/capture/gst_probe.h"
#include "video/capture/timestamp_anchor.h"

namespace kedge::video {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

CameraSpec TestSpec(int num_buffers) {
  CameraSpec spec;
  spec.name = "testcam";
  spec.source = *ParseSourceSpec("test");
  spec.width = 320;
  spec.height = 240;
  spec.fps = 30;
  spec.bitrate_kbps = 300;
  spec.fragment_duration_ms = 1000;  // key frame every 30 frames
  spec.encoder = EncoderChoice::kX264;
  spec.x264_speed_preset = "ultrafast";
  spec.num_buffers = num_buffers;
  spec.test_live = false;
  return spec;
}

// The NAL unit types of an AVC (4-byte length-prefixed) access unit; empty if the framing is
// broken.
std::vector<int> AvcNalTypes(const std::vector<uint8_t>& au) {
  std::vector<int> types;
  size_t pos = 0;
  while (pos + 4 <= au.size()) {
    size_t len = (size_t(au[pos]) << 24) | (size_t(au[pos + 1]) << 16) |
                 (size_t(au[pos + 2]) << 8) | au[pos + 3];
    pos += 4;
    if (len == 0 || pos + len > au.size()) return {};
    types.push_back(au[pos] & 0x1f);
    pos += len;
  }
  if (pos != au.size()) return {};
  return types;
}

struct Collected {
  std::vector<CapturedFrame> frames;
  std::vector<Status> errors;
};

// Runs a capture to its end and returns what it delivered.
Collected RunToEnd(GstCapture::Options options, Clock& clock, Status* final_status,
                   PipelinePlan* plan = nullptr) {
  Collected out;
  options.on_frame = [&out](CapturedFrame&& f) { out.frames.push_back(std::move(f)); };
  options.on_error = [&out](const Status& s) { out.errors.push_back(s); };
  auto capture = GstCapture::Create(std::move(options), clock, Env::Default());
  if (!capture.ok()) {
    *final_status = capture.status();
    return out;
  }
  if (plan) *plan = (*capture)->plan();
  EXPECT_TRUE((*capture)->Start().ok());
  *final_status = (*capture)->Wait();
  return out;
}

std::string MakeH264File(const std::string& dir, const std::string& muxer, const std::string& name,
                         int frames) {
  std::string path = dir + "/" + name;
  // The host's gst-launch, with the host's plugins (a cross test under qemu may point
  // GST_PLUGIN_SYSTEM_PATH_1_0 at the target's).
  std::string cmd = "env -u GST_PLUGIN_SYSTEM_PATH_1_0 gst-launch-1.0 -q videotestsrc "
                    "num-buffers=" + std::to_string(frames) +
                    " ! video/x-raw,width=320,height=240,framerate=30/1 ! x264enc "
                    "speed-preset=ultrafast bframes=0 key-int-max=30 option-string=scenecut=0 "
                    "! h264parse ! " +
                    muxer + " ! filesink location=" + path + " > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return path;
}

TEST(GstCaptureTest, TestSourceDeliversKeyFramesExactlyAtTheConfiguredInterval) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(95);
  Status status;
  Collected got = RunToEnd(options, clock, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(got.frames.size(), 95u);
  std::vector<size_t> keys;
  for (size_t i = 0; i < got.frames.size(); ++i) {
    if (got.frames[i].key) keys.push_back(i);
  }
  EXPECT_EQ(keys, (std::vector<size_t>{0, 30, 60, 90}));
  EXPECT_TRUE(got.errors.empty());
}

TEST(GstCaptureTest, LiveTestSourceDeliversFramesAtItsFrameRate) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(10);
  options.spec.test_live = true;  // the default for `source: test`: paced by the pipeline clock
  Status status;
  Collected got = RunToEnd(options, clock, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(got.frames.size(), 10u);
  EXPECT_TRUE(got.frames[0].key);
  const int64_t span = got.frames[9].producer_time_ns - got.frames[0].producer_time_ns;
  EXPECT_NEAR(double(span), 9e9 / 30, 5e6);  // 9 frame intervals of the pipeline clock
}

TEST(GstCaptureTest, FirstFrameIsAKeyFrameWithCodecDataInAvcFraming) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(10);
  Status status;
  Collected got = RunToEnd(options, clock, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_FALSE(got.frames.empty());
  const CapturedFrame& first = got.frames[0];
  EXPECT_TRUE(first.key);
  ASSERT_TRUE(first.format.has_value());
  ASSERT_GE(first.format->codec_data.size(), 7u);
  EXPECT_EQ(first.format->codec_data[0], 1);  // AVCDecoderConfigurationRecord version
  // 8-bit 4:2:0 (Baseline, Main or High), which every player decodes; not High 4:4:4.
  const int profile = first.format->codec_data[1];
  EXPECT_TRUE(profile == 66 || profile == 77 || profile == 100) << "profile_idc " << profile;
  EXPECT_EQ(first.format->width, 320);
  EXPECT_EQ(first.format->height, 240);
  EXPECT_EQ(first.format->fps_num, 30);
  std::vector<int> nals = AvcNalTypes(first.data);
  ASSERT_FALSE(nals.empty()) << "not AVC framing";
  EXPECT_NE(std::find(nals.begin(), nals.end(), 5), nals.end()) << "no IDR slice";
  for (size_t i = 1; i < got.frames.size(); ++i) {
    EXPECT_FALSE(got.frames[i].format.has_value()) << "format repeated at frame " << i;
    EXPECT_FALSE(AvcNalTypes(got.frames[i].data).empty());
  }
}

TEST(GstCaptureTest, TimestampsIncreaseAndAreAnchoredToTheWallClockOnceAtCaptureTime) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(20);
  Status status;
  Collected got = RunToEnd(options, clock, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(got.frames.size(), 20u);
  const int64_t wall =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock.WallNow().time_since_epoch())
          .count();
  // The first frame is stamped when it was captured: the wall clock when it arrived, less
  // how long the pipeline had been running beyond the frame's own running time (encoding).
  EXPECT_LE(got.frames[0].producer_time_ns, wall);
  EXPECT_GT(got.frames[0].producer_time_ns, wall - TimestampAnchor::kMaxLatencyNs);
  for (size_t i = 1; i < got.frames.size(); ++i) {
    const CapturedFrame& a = got.frames[i - 1];
    const CapturedFrame& b = got.frames[i];
    EXPECT_GT(b.pts_ns, a.pts_ns);
    EXPECT_NE(b.dts_ns, kNoCaptureTime);
    EXPECT_GT(b.duration_ns, 0);
    // The producer time follows the pipeline clock from the anchor: 1/30 s apart.
    EXPECT_EQ(b.producer_time_ns - a.producer_time_ns, b.running_time_ns - a.running_time_ns);
    EXPECT_NEAR(double(b.producer_time_ns - a.producer_time_ns), 1e9 / 30, 1e3);
  }
}

TEST(GstCaptureTest, StatsCountFramesKeyFramesAndBytes) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(31);
  uint64_t bytes = 0;
  options.on_frame = [&bytes](CapturedFrame&& f) { bytes += f.data.size(); };
  auto capture = GstCapture::Create(std::move(options), clock, Env::Default());
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  ASSERT_TRUE((*capture)->Start().ok());
  ASSERT_TRUE((*capture)->Wait().ok());
  GstCapture::Stats stats = (*capture)->stats();
  EXPECT_EQ(stats.frames, 31u);
  EXPECT_EQ(stats.key_frames, 2u);
  EXPECT_EQ(stats.bytes, bytes);
  EXPECT_EQ(stats.restarts, 0u);
}

TEST(GstCaptureTest, FramesArriveOnTheCamerasOwnThread) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(3);
  std::vector<std::string> names;
  options.on_frame = [&names](CapturedFrame&&) {
    auto comm = Env::Default().ReadFile("/proc/thread-self/comm");
    names.push_back(comm.ok() ? *comm : comm.status().ToString());
  };
  auto capture = GstCapture::Create(std::move(options), clock, Env::Default());
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  ASSERT_TRUE((*capture)->Start().ok());
  ASSERT_TRUE((*capture)->Wait().ok());
  ASSERT_EQ(names.size(), 3u);
  for (const std::string& name : names) EXPECT_EQ(name, "video-testcam\n");
}

TEST(GstCaptureTest, H264FilesArePassedThroughWithoutAnEncoder) {
  std::string dir = testing::MakeTempDir("kedge-capture");
  for (const char* muxer : {"mp4mux", "matroskamux"}) {
    std::string path = MakeH264File(dir, muxer, std::string("clip-") + muxer, 60);
    FakeClock clock;
    GstCapture::Options options;
    options.spec = TestSpec(0);
    options.spec.source = *ParseSourceSpec("file:" + path);
    options.spec.encoder = EncoderChoice::kAuto;
    Status status;
    PipelinePlan plan;
    Collected got = RunToEnd(options, clock, &status, &plan);
    ASSERT_TRUE(status.ok()) << muxer << ": " << status.ToString();
    EXPECT_EQ(plan.encoder, EncoderChoice::kNone) << muxer;
    EXPECT_FALSE(Contains(plan.description, "x264enc")) << plan.description;
    ASSERT_EQ(got.frames.size(), 60u) << muxer;
    EXPECT_TRUE(got.frames[0].key);
    ASSERT_TRUE(got.frames[0].format.has_value());
    EXPECT_FALSE(got.frames[0].format->codec_data.empty());
    int keys = 0;
    for (const CapturedFrame& f : got.frames) keys += f.key ? 1 : 0;
    EXPECT_EQ(keys, 2) << muxer;
  }
}

// Why GstCapture::Create refuses a source (OK if it accepts it).
Status CreateError(const std::string& source) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(0);
  options.spec.source = *ParseSourceSpec(source);
  options.spec.encoder = EncoderChoice::kAuto;
  options.on_frame = [](CapturedFrame&&) {};
  return GstCapture::Create(std::move(options), clock, Env::Default()).status();
}

TEST(GstCaptureTest, MissingCameraDeviceFailsAtCreateNamingIt) {
  Status status = CreateError("v4l2:/dev/video-kedge-missing");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(status.message(), "/dev/video-kedge-missing is not present"));
}

TEST(GstCaptureTest, MissingElementFailsAtCreateNamingThePackage) {
  GstElementProbe probe(Env::Default());
  if (probe.HasElement("libcamerasrc")) GTEST_SKIP() << "libcamerasrc is installed here";
  Status status = CreateError("libcamera");
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(status.message(), "libcamerasrc is not installed"));
  EXPECT_TRUE(Contains(status.message(), "install gstreamer1.0-libcamera"));
}

TEST(GstCaptureTest, MissingFileFailsAtCreateNamingIt) {
  Status status = CreateError("file:/nonexistent/kedge/clip.mp4");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(status.message(), "/nonexistent/kedge/clip.mp4"));
}

TEST(GstCaptureTest, RtspPasswordNeverReachesTheLog) {
  GstElementProbe probe(Env::Default());
  if (!probe.HasElement("rtspsrc")) GTEST_SKIP() << "rtspsrc is not installed";
  ASSERT_TRUE(CreateError("rtsp://admin:kedge-cam-pw@127.0.0.1:1/live").ok());
  std::string line = Logger::Get().Redact("rtsp://admin:kedge-cam-pw@127.0.0.1:1/live");
  EXPECT_FALSE(Contains(line, "kedge-cam-pw")) << line;
}

TEST(GstCaptureTest, NonMediaFileGivesAClearError) {
  std::string dir = testing::MakeTempDir("kedge-capture");
  std::string path = dir + "/notes.mp4";
  ASSERT_TRUE(Env::Default().WriteFileAtomic(path, std::string(4096, 'x')).ok());
  Status status = CreateError("file:" + path);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(status.message(), path));
}

TEST(GstCaptureTest, FailedRunIsReportedAndRetriedUntilTheRestartLimit) {
  std::string dir = testing::MakeTempDir("kedge-capture");
  std::string path = MakeH264File(dir, "mp4mux", "gone.mp4", 5);
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(0);
  options.spec.source = *ParseSourceSpec("file:" + path);
  options.spec.encoder = EncoderChoice::kAuto;
  options.restart_initial_backoff = Millis(0);
  options.max_restarts = 1;
  std::vector<Status> errors;
  options.on_error = [&errors](const Status& s) { errors.push_back(s); };
  options.on_frame = [](CapturedFrame&&) {};
  auto capture = GstCapture::Create(std::move(options), clock, Env::Default());
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  // The file disappears between planning and running: the run fails on the bus, the restart
  // probes again and names the missing file.
  ASSERT_TRUE(Env::Default().RemoveFile(path).ok());
  ASSERT_TRUE((*capture)->Start().ok());
  Status final_status = (*capture)->Wait();
  EXPECT_EQ(final_status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(final_status.message(), path));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_TRUE(Contains(errors[0].message(), "camera testcam"));
  EXPECT_EQ((*capture)->stats().restarts, 1u);
}

TEST(GstCaptureTest, UnreachableRtspCameraEndsTheRunWithAClearError) {
  GstElementProbe probe(Env::Default());
  if (!probe.HasElement("rtspsrc")) GTEST_SKIP() << "rtspsrc is not installed";
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(0);
  options.spec.source = *ParseSourceSpec("rtsp://127.0.0.1:1/live");  // nothing listens there
  options.spec.encoder = EncoderChoice::kAuto;
  options.max_restarts = 0;
  Status status;
  Collected got = RunToEnd(options, clock, &status);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(Contains(status.message(), "camera testcam (rtsp://127.0.0.1:1/live): rtspsrc"))
      << status.ToString();
  EXPECT_EQ(got.errors.size(), 1u);
  EXPECT_TRUE(got.frames.empty());
}

TEST(GstCaptureTest, LoopedFileRestartsWithIncreasingProducerTimes) {
  std::string dir = testing::MakeTempDir("kedge-capture");
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(0);
  options.spec.source = *ParseSourceSpec("file:" + MakeH264File(dir, "matroskamux", "l.mkv", 5));
  options.spec.encoder = EncoderChoice::kAuto;
  options.spec.loop = true;
  options.max_restarts = 2;
  Status status;
  Collected got = RunToEnd(options, clock, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(got.errors.empty());  // looping is not a failure
  ASSERT_EQ(got.frames.size(), 15u);
  for (size_t i = 0; i < got.frames.size(); ++i) {
    const CapturedFrame& f = got.frames[i];
    EXPECT_EQ(f.run, i / 5);
    // Every run starts with a key frame and announces its format again.
    EXPECT_EQ(f.key, i % 5 == 0) << i;
    EXPECT_EQ(f.format.has_value(), i % 5 == 0) << i;
    if (i > 0) {
      EXPECT_GT(f.producer_time_ns, got.frames[i - 1].producer_time_ns) << i;
    }
  }
}

TEST(GstCaptureTest, StopEndsALiveCaptureCleanly) {
  FakeClock clock;
  GstCapture::Options options;
  options.spec = TestSpec(0);  // unlimited: runs until stopped
  std::mutex mu;
  std::condition_variable cv;
  int frames = 0;
  options.on_frame = [&](CapturedFrame&&) {
    std::lock_guard<std::mutex> lock(mu);
    ++frames;
    cv.notify_all();
  };
  auto capture = GstCapture::Create(std::move(options), clock, Env::Default());
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  ASSERT_TRUE((*capture)->Start().ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return frames >= 5; });
  }
  (*capture)->Stop();
  EXPECT_TRUE((*capture)->Wait().ok());
  EXPECT_GE((*capture)->stats().frames, 5u);
  EXPECT_EQ((*capture)->stats().restarts, 0u);
}

}  // namespace
}  // namespace kedge::video
