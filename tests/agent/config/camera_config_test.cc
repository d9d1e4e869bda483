// `cameras:` in the daemon configuration: every key read, a camera-only file, and each mistake
// reported as FILE:LINE: key: message, as for the rest of the configuration.
#include "agent/config/camera_config.h"

#include <gtest/gtest.h>

#include "agent/config/config_validate.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

// Each test writes its file and loads it as `kedge run` does (read, parse, validate).
class CameraConfigTest : public ::testing::Test {
 protected:
  std::string Head() const { return "state_dir: " + dir_ + "\ncameras:\n"; }

  ConfigErrors Load(const std::string& text, AgentConfig* config) {
    EXPECT_TRUE(Env::Default().WriteFileAtomic(file_, text).ok());
    ConfigErrors errors(file_);
    StatusOr<AgentConfig> loaded =
        LoadConfigFile(file_, Env::Default(), FileSystem::Default(), &errors);
    if (loaded.ok()) *config = std::move(*loaded);
    return errors;
  }

  std::string Errors(const std::string& text) {
    AgentConfig config;
    return Load(text, &config).ToString();
  }

  std::string dir_ = testing::MakeTempDir("kedge-cameras");
  std::string file_ = dir_ + "/kedge.yaml";
};

TEST_F(CameraConfigTest, EveryKeyIsReadAndACameraOnlyFileNeedsNoSinksOrSources) {
  AgentConfig config;
  ConfigErrors errors = Load(Head() +
                                 "  - name: door\n"
                                 "    stream: door-camera\n"
                                 "    source: rtsp://user:pw@10.0.0.5/stream1\n"
                                 "    encoder: none\n"
                                 "    width: 1920\n"
                                 "    height: 1080\n"
                                 "    fps: 25\n"
                                 "    bitrate: 4000\n"
                                 "    fragment_seconds: 4\n"
                                 "    region: eu-west-1\n"
                                 "    endpoint: http://127.0.0.1:8080\n"
                                 "    create_stream: true\n"
                                 "    retention_hours: 48\n"
                                 "    drain_timeout: 20s\n"
                                 "    store:\n"
                                 "      dir: /var/cache/door\n"
                                 "      max_bytes: 2GiB\n"
                                 "      max_age: 2h\n"
                                 "  - name: yard\n"
                                 "    stream: yard\n",
                             &config);
  ASSERT_TRUE(errors.ok()) << errors.ToString();
  ASSERT_EQ(config.cameras.size(), 2u);
  const CameraConfig& door = config.cameras[0];
  EXPECT_EQ(door.name, "door");
  EXPECT_EQ(door.stream, "door-camera");
  EXPECT_EQ(door.source, "rtsp://user:pw@10.0.0.5/stream1");
  EXPECT_EQ(door.encoder, "none");
  EXPECT_EQ(door.width, 1920);
  EXPECT_EQ(door.height, 1080);
  EXPECT_EQ(door.fps, 25);
  EXPECT_EQ(door.bitrate_kbps, 4000);
  EXPECT_EQ(door.fragment_seconds, 4);
  EXPECT_EQ(door.region, "eu-west-1");
  EXPECT_EQ(door.endpoint, "http://127.0.0.1:8080");
  EXPECT_TRUE(door.create_stream);
  EXPECT_EQ(door.retention_hours, 48);
  EXPECT_EQ(door.drain_timeout, Millis(20000));
  EXPECT_EQ(door.StoreDir(config.state_dir), "/var/cache/door");
  EXPECT_EQ(door.store_max_bytes, 2ull << 30);
  EXPECT_EQ(door.store_max_age, Millis(2 * 3600 * 1000));
  const CameraConfig& yard = config.cameras[1];  // the documented defaults
  EXPECT_EQ(yard.source, "test");
  EXPECT_EQ(yard.width, 1280);
  EXPECT_EQ(yard.fps, 30);
  EXPECT_EQ(yard.fragment_seconds, 2);
  EXPECT_FALSE(yard.create_stream);
  EXPECT_EQ(yard.StoreDir(config.state_dir), dir_ + "/video/yard");
  EXPECT_TRUE(config.sinks.empty());
  EXPECT_TRUE(config.sources.empty());
}

TEST_F(CameraConfigTest, WithoutCamerasSinksAndSourcesAreStillRequired) {
  std::string errors = Errors("state_dir: " + dir_ + "\n");
  EXPECT_NE(errors.find("sinks: missing"), std::string::npos) << errors;
  EXPECT_NE(errors.find("sources: missing"), std::string::npos) << errors;
}

TEST_F(CameraConfigTest, MistakesAreReportedWithFileLineAndKey) {
  std::string errors = Errors(Head() +
                              "  - name: door\n"           // 3
                              "    stream: door camera\n"  // 4
                              "    fps: 1000\n"            // 5
                              "    source: v4l2:video0\n"  // 6
                              "    endpoint: 127.0.0.1\n"  // 7
                              "    zoom: 2\n"              // 8
                              "    store:\n"               // 9
                              "      max_bytes: lots\n"    // 10
                              "  - name: door\n"           // 11
                              "    stream: door2\n"        // 12
                              "  - stream: nameless\n");   // 13
  std::string file = file_ + ":";
  for (const std::string& expected :
       {file + "4: cameras[0].stream: 'door camera' is not a Kinesis Video stream name",
        file + "5: cameras[0].fps:", file + "6: cameras[0].source:",
        file + "7: cameras[0].endpoint: '127.0.0.1' is not a URL",
        file + "8: cameras[0].zoom: unknown key", file + "10: cameras[0].store.max_bytes:",
        file + "11: cameras[1].name: another camera is already named 'door'",
        file + "13: cameras[2].name: missing"}) {
    EXPECT_NE(errors.find(expected), std::string::npos) << expected << "\nin:\n" << errors;
  }
}

TEST_F(CameraConfigTest, NumbersOutOfRangeForTheCameraAreRefusedAsVideoPutWould) {
  std::string errors = Errors(Head() +
                              "  - name: door\n"
                              "    stream: door\n"
                              "    encoder: h265\n");
  EXPECT_NE(errors.find(":5: cameras[0].encoder:"), std::string::npos) << errors;
}

TEST_F(CameraConfigTest, TwoCamerasCannotShareAStore) {
  std::string errors = Errors(Head() +
                              "  - name: a\n    stream: a\n    store:\n      dir: /tmp/x\n"
                              "  - name: b\n    stream: b\n    store:\n      dir: /tmp/x\n");
  EXPECT_NE(errors.find("cameras[1].store: another camera stores its fragments in /tmp/x"),
            std::string::npos)
      << errors;
}

TEST_F(CameraConfigTest, SameSettingsIgnoresWhereTheyWereWritten) {
  AgentConfig a, b;
  ASSERT_TRUE(Load(Head() + "  - name: door\n    stream: door\n", &a).ok());
  ASSERT_TRUE(Load(Head() + "\n\n  - stream: door\n    name: door\n", &b).ok());
  ASSERT_EQ(a.cameras.size(), 1u);
  ASSERT_EQ(b.cameras.size(), 1u);
  EXPECT_NE(a.cameras[0].line, b.cameras[0].line);
  EXPECT_TRUE(a.cameras[0].SameSettings(b.cameras[0]));
  b.cameras[0].bitrate_kbps = 3000;
  EXPECT_FALSE(a.cameras[0].SameSettings(b.cameras[0]));
}

TEST_F(CameraConfigTest, AnUnreadableCaFileIsReportedWithItsLine) {
  std::string text = Head() +
                     "  - name: door\n"
                     "    stream: door\n"
                     "    ca_file: " + dir_ + "/missing-ca.pem\n";
  std::string errors = Errors(text);
  EXPECT_NE(errors.find(file_ + ":5: cameras[0].ca_file: cannot be read"), std::string::npos)
      << errors;
}

}  // namespace
}  // namespace kedge::agent
