#include "video/capture/pipeline_plan.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "video/capture/camera_spec.h"

namespace kedge::video {
namespace {

// A machine described by the elements and devices it has.
class FakeProbe : public ElementProbe {
 public:
  std::set<std::string> elements = {"videotestsrc", "videoconvert", "x264enc",  "openh264enc",
                                    "h264parse",    "appsink",      "v4l2src",  "rtspsrc",
                                    "rtph264depay", "filesrc",      "parsebin", "decodebin"};
  std::set<std::string> devices = {"/dev/video0"};
  SourceModes modes{false, true, false};
  mutable int source_probes = 0;

  bool HasElement(const std::string& f) const override { return elements.count(f) > 0; }
  bool DeviceExists(const std::string& p) const override { return devices.count(p) > 0; }
  StatusOr<SourceModes> ProbeSource(const CameraSpec&) const override {
    ++source_probes;
    return modes;
  }
};

CameraSpec Spec(const std::string& source) {
  CameraSpec spec;
  spec.name = "cam";
  spec.source = *ParseSourceSpec(source);
  spec.width = 320;
  spec.height = 240;
  spec.fps = 30;
  spec.bitrate_kbps = 500;
  auto valid = ValidateCameraSpec(spec);
  EXPECT_TRUE(valid.ok()) << valid.status().ToString();
  return *valid;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(CameraSpecTest, ParsesEverySourceKind) {
  EXPECT_EQ(ParseSourceSpec("test")->kind, SourceKind::kTest);
  auto v4l2 = ParseSourceSpec("v4l2:/dev/video2");
  ASSERT_TRUE(v4l2.ok());
  EXPECT_EQ(v4l2->device, "/dev/video2");
  auto argus = ParseSourceSpec("nvargus:1");
  ASSERT_TRUE(argus.ok());
  EXPECT_EQ(argus->sensor_id, 1);
  EXPECT_EQ(ParseSourceSpec("nvargus")->sensor_id, 0);
  EXPECT_EQ(ParseSourceSpec("libcamera")->kind, SourceKind::kLibcamera);
  EXPECT_EQ(ParseSourceSpec("rtsp://10.0.0.2/stream")->uri, "rtsp://10.0.0.2/stream");
  EXPECT_EQ(ParseSourceSpec("file:/tmp/a.mp4")->path, "/tmp/a.mp4");
  for (const char* text : {"test", "v4l2:/dev/video2", "nvargus:1", "rtsp://h/x", "file:/a.mkv"}) {
    EXPECT_EQ(SourceSpecToString(*ParseSourceSpec(text)), text);
  }
}

TEST(CameraSpecTest, RejectsUnknownSourcesWithTheAcceptedForms) {
  auto bad = ParseSourceSpec("webcam");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(bad.status().message(), "\"webcam\""));
  EXPECT_TRUE(Contains(bad.status().message(), "v4l2:/dev/videoN"));
  EXPECT_FALSE(ParseSourceSpec("v4l2:video0").ok());
  EXPECT_FALSE(ParseSourceSpec("nvargus:x").ok());
  EXPECT_FALSE(ParseSourceSpec("file:").ok());
  EXPECT_FALSE(ParseSourceSpec("file:/a\"b").ok());
}

TEST(CameraSpecTest, FindsThePasswordInAnRtspUrl) {
  EXPECT_EQ(SourcePassword(*ParseSourceSpec("rtsp://admin:s3cret!@10.0.0.2:554/live")), "s3cret!");
  EXPECT_EQ(SourcePassword(*ParseSourceSpec("rtsp://admin@10.0.0.2/live")), "");
  EXPECT_EQ(SourcePassword(*ParseSourceSpec("rtsp://10.0.0.2:554/live")), "");
  EXPECT_EQ(SourcePassword(*ParseSourceSpec("rtsp://10.0.0.2/a:b@c")), "");
  EXPECT_EQ(SourcePassword(*ParseSourceSpec("test")), "");
  EXPECT_EQ(SourceForMessages(*ParseSourceSpec("rtsp://admin:s3cret!@10.0.0.2:554/live")),
            "rtsp://admin:****@10.0.0.2:554/live");
  EXPECT_EQ(SourceForMessages(*ParseSourceSpec("rtsp://10.0.0.2/live")), "rtsp://10.0.0.2/live");
}

TEST(CameraSpecTest, KeyFrameIntervalFollowsTheFragmentDuration) {
  CameraSpec spec;
  spec.fps = 25;
  spec.fragment_duration_ms = 2000;
  EXPECT_EQ(ValidateCameraSpec(spec)->key_frame_interval, 50);
  spec.fragment_duration_ms = 1000;
  spec.fps = 15;
  EXPECT_EQ(ValidateCameraSpec(spec)->key_frame_interval, 15);
  spec.key_frame_interval = 7;
  EXPECT_EQ(ValidateCameraSpec(spec)->key_frame_interval, 7);
}

TEST(CameraSpecTest, RejectsOutOfRangeNumbersNamingTheCamera) {
  CameraSpec spec;
  spec.name = "door";
  spec.fps = 0;
  auto bad = ValidateCameraSpec(spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Contains(bad.status().message(), "camera door"));
  EXPECT_TRUE(Contains(bad.status().message(), "fps"));
  spec.fps = 30;
  spec.fragment_duration_ms = 20000;
  EXPECT_FALSE(ValidateCameraSpec(spec).ok());
  spec.fragment_duration_ms = 2000;
  spec.name = "a b";
  EXPECT_FALSE(ValidateCameraSpec(spec).ok());
}

TEST(PipelinePlanTest, TestSourceUsesX264WithZeroLatencyAndNoSceneCut) {
  FakeProbe probe;
  auto plan = BuildPipelinePlan(Spec("test"), probe);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->encoder, EncoderChoice::kX264);
  const std::string& d = plan->description;
  EXPECT_TRUE(Contains(d,
                       "videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                       "framerate=30/1"));
  EXPECT_TRUE(Contains(d, "x264enc tune=zerolatency bframes=0 key-int-max=60 bitrate=500"));
  EXPECT_TRUE(Contains(d, "option-string=scenecut=0"));
  EXPECT_TRUE(Contains(d,
                       "h264parse config-interval=-1 ! video/x-h264,stream-format=avc,"
                       "alignment=au ! appsink name=kedge_sink emit-signals=false"));
  EXPECT_TRUE(Contains(d, "drop=false max-buffers=60"));
}

TEST(PipelinePlanTest, PrefersTheRaspberryPiHardwareEncoder) {
  FakeProbe probe;
  probe.elements.insert("v4l2h264enc");
  auto plan = BuildPipelinePlan(Spec("test"), probe);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->encoder, EncoderChoice::kV4l2);
  EXPECT_TRUE(Contains(plan->description,
                       "repeat_sequence_header=1,video_bitrate=500000,"
                       "h264_i_frame_period=60"));
}

TEST(PipelinePlanTest, JetsonCameraStaysInDeviceMemoryToTheHardwareEncoder) {
  FakeProbe probe;
  probe.elements.insert({"nvarguscamerasrc", "nvv4l2h264enc", "nvvidconv"});
  auto plan = BuildPipelinePlan(Spec("nvargus:1"), probe);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->encoder, EncoderChoice::kNvV4l2);
  EXPECT_TRUE(Contains(plan->description,
                       "nvarguscamerasrc sensor-id=1 ! video/x-raw(memory:NVMM),width=320,"
                       "height=240,framerate=30/1,format=NV12 ! nvv4l2h264enc bitrate=500000 "
                       "iframeinterval=60"));
}

TEST(PipelinePlanTest, FallsBackToOpenH264WithoutX264) {
  FakeProbe probe;
  probe.elements.erase("x264enc");
  auto plan = BuildPipelinePlan(Spec("test"), probe);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->encoder, EncoderChoice::kOpenH264);
  EXPECT_TRUE(Contains(plan->description,
                       "openh264enc usage-type=camera rate-control=bitrate "
                       "bitrate=500000 gop-size=60"));
}

TEST(PipelinePlanTest, NoEncoderInstalledNamesThePackages) {
  FakeProbe probe;
  probe.elements.erase("x264enc");
  probe.elements.erase("openh264enc");
  auto plan = BuildPipelinePlan(Spec("test"), probe);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(plan.status().message(), "gstreamer1.0-plugins-ugly"));
  EXPECT_TRUE(Contains(plan.status().message(), "gstreamer1.0-plugins-bad"));
}

TEST(PipelinePlanTest, ForcedEncoderThatIsMissingNamesElementAndPackage) {
  FakeProbe probe;
  probe.elements.erase("x264enc");
  CameraSpec spec = Spec("test");
  spec.encoder = EncoderChoice::kX264;
  auto plan = BuildPipelinePlan(spec, probe);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(Contains(plan.status().message(), "x264enc is not installed"));
  EXPECT_TRUE(Contains(plan.status().message(), "install gstreamer1.0-plugins-ugly"));
}

TEST(PipelinePlanTest, MissingParserNamesItsPackage) {
  FakeProbe probe;
  probe.elements.erase("h264parse");
  auto plan = BuildPipelinePlan(Spec("test"), probe);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(Contains(plan.status().message(), "h264parse"));
  EXPECT_TRUE(Contains(plan.status().message(), "gstreamer1.0-plugins-bad"));
}

TEST(PipelinePlanTest, MissingCameraDeviceIsNotFoundAndNamesTheDevice) {
  FakeProbe probe;
  auto plan = BuildPipelinePlan(Spec("v4l2:/dev/video7"), probe);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(plan.status().message(), "/dev/video7 is not present"));
  EXPECT_EQ(probe.source_probes, 0);
}

TEST(PipelinePlanTest, UvcCameraWithH264SkipsTheEncoder) {
  FakeProbe probe;
  probe.modes = {true, true, true};
  auto plan = BuildPipelinePlan(Spec("v4l2:/dev/video0"), probe);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->encoder, EncoderChoice::kNone);
  EXPECT_TRUE(Contains(plan->description,
                       "v4l2src device=\"/dev/video0\" ! video/x-h264,"
                       "width=320,height=240,framerate=30/1 ! h264parse"));
}

TEST(PipelinePlanTest, RawUvcCameraIsEncoded) {
  FakeProbe probe;
  auto plan = BuildPipelinePlan(Spec("v4l2:/dev/video0"), probe);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->encoder, EncoderChoice::kX264);
  EXPECT_TRUE(Contains(plan->description, "v4l2src device=\"/dev/video0\" ! video/x-raw,"));
}

TEST(PipelinePlanTest, MjpegOnlyWebcamIsDecodedThenEncoded) {
  FakeProbe probe;
  probe.elements.insert("jpegdec");
  probe.modes = {false, false, true};
  auto plan = BuildPipelinePlan(Spec("v4l2:/dev/video0"), probe);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(Contains(plan->description,
                       "! image/jpeg,width=320,height=240,framerate=30/1 ! "
                       "jpegdec ! videoconvert"));
  probe.elements.erase("jpegdec");
  auto missing = BuildPipelinePlan(Spec("v4l2:/dev/video0"), probe);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Contains(missing.status().message(), "jpegdec"));
}

TEST(PipelinePlanTest, CameraWithoutTheRequestedModeSaysHowToListModes) {
  FakeProbe probe;
  probe.modes = {false, false, false};
  auto plan = BuildPipelinePlan(Spec("v4l2:/dev/video0"), probe);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(Contains(plan.status().message(), "cannot deliver 320x240 at 30 fps"));
  EXPECT_TRUE(Contains(plan.status().message(), "v4l2-ctl --list-formats-ext -d /dev/video0"));
}

TEST(PipelinePlanTest, ForcedEncoderOnAnH264CameraAsksForRawFrames) {
  FakeProbe probe;
  probe.modes = {true, true, false};
  CameraSpec spec = Spec("v4l2:/dev/video0");
  spec.encoder = EncoderChoice::kOpenH264;
  auto plan = BuildPipelinePlan(spec, probe);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->encoder, EncoderChoice::kOpenH264);
  EXPECT_TRUE(Contains(plan->description, "v4l2src device=\"/dev/video0\" ! video/x-raw,"));
}

TEST(PipelinePlanTest, RtspIsDepayloadedNotReencoded) {
  FakeProbe probe;
  auto plan = BuildPipelinePlan(Spec("rtsp://10.0.0.2:554/live"), probe);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->encoder, EncoderChoice::kNone);
  EXPECT_TRUE(Contains(plan->description,
                       "rtspsrc location=\"rtsp://10.0.0.2:554/live\" latency=200 ! "
                       "rtph264depay ! h264parse"));
  CameraSpec forced = Spec("rtsp://10.0.0.2:554/live");
  forced.encoder = EncoderChoice::kX264;
  EXPECT_EQ(BuildPipelinePlan(forced, probe).status().code(), StatusCode::kInvalidArgument);
}

TEST(PipelinePlanTest, H264FileIsParsedAndOtherFilesAreDecodedAndEncoded) {
  FakeProbe probe;
  probe.modes = {true, false, false};
  auto h264 = BuildPipelinePlan(Spec("file:/data/a.mp4"), probe);
  ASSERT_TRUE(h264.ok());
  EXPECT_EQ(h264->encoder, EncoderChoice::kNone);
  EXPECT_TRUE(
      Contains(h264->description, "filesrc location=\"/data/a.mp4\" ! parsebin ! h264parse"));
  probe.modes = {false, true, false};
  auto other = BuildPipelinePlan(Spec("file:/data/a.webm"), probe);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->encoder, EncoderChoice::kX264);
  EXPECT_TRUE(
      Contains(other->description,
               "decodebin caps=video/x-raw ! videoconvert ! video/x-raw,format=I420 ! x264enc"));
}

TEST(PipelinePlanTest, EncoderNoneOnARawSourceIsRejected) {
  FakeProbe probe;
  CameraSpec spec = Spec("test");
  spec.encoder = EncoderChoice::kNone;
  auto plan = BuildPipelinePlan(spec, probe);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(Contains(plan.status().message(), "needs an encoder"));
}

TEST(PipelinePlanTest, MissingLibcameraElementNamesItsPackage) {
  FakeProbe probe;
  auto plan = BuildPipelinePlan(Spec("libcamera"), probe);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(Contains(plan.status().message(), "libcamerasrc"));
  EXPECT_TRUE(Contains(plan.status().message(), "gstreamer1.0-libcamera"));
}

}  // namespace
}  // namespace kedge::video
