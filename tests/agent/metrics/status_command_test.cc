#include "agent/cli/status_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/metrics/http_get_client.h"
#include "agent/metrics/status_server.h"
#include "tests/agent/metrics/status_fixture.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

class StatusCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_.GetCounter("kedge_source_records_total", "r", {{"source", "app"}}).Increment(1234);
    metrics_.GetCounter("kedge_sink_records_sent_total", "s", {{"sink", "logs"}}).Increment(1200);
    picture_.AddDeviceAndSink();
    SourceConfig src;
    src.name = "app";
    src.sink = "logs";
    src.path = "/var/log/app/*.log";
    config_.sources.push_back(src);
    history_.Add({0, 0, 0, 0, 3 << 20, 34, 2500});
    picture_.uptime = std::chrono::seconds(5400);
    server_ = picture_.MakeServer();
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
  }
  std::string Listen() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  StatusPicture picture_;
  MetricsRegistry& metrics_ = picture_.metrics;
  AgentConfig& config_ = picture_.config;
  StatusHistory& history_ = picture_.history;
  std::unique_ptr<StatusServer> server_;
  FakeEnv env_;
};

TEST_F(StatusCommandTest, PrintsStateSpoolSourcesAndSinks) {
  std::ostringstream out, err;
  ASSERT_EQ(RunStatus({"--listen", Listen()}, env_, FileSystem::Default(), out, err), 0)
      << err.str();
  std::string text = out.str();
  EXPECT_NE(text.find("kedge 0.1.0 on pi-17: running, up 1h 30m\n"), std::string::npos) << text;
  EXPECT_NE(text.find("3.0 MiB of 1.0 GiB, 34 records, oldest unsent 2.5 s; when full: block"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  app (file -> logs) /var/log/app/*.log\n    records_total=1234\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  logs (kinesis) edge-logs eu-west-1\n    records_sent_total=1200\n"),
            std::string::npos)
      << text;
}

TEST_F(StatusCommandTest, PrintsEachCameraAtAGlance) {
  std::ostringstream out, err;
  ASSERT_EQ(RunStatus({"--listen", Listen()}, env_, FileSystem::Default(), out, err), 0)
      << err.str();
  EXPECT_EQ(out.str().find("cameras:"), std::string::npos) << "no cameras, no section";

  picture_.AddCamera();
  std::ostringstream with_camera;
  ASSERT_EQ(RunStatus({"--listen", Listen()}, env_, FileSystem::Default(), with_camera, err), 0);
  std::string text = with_camera.str();
  EXPECT_NE(text.find("cameras:\n  door (v4l2:/dev/video0 1280x720@30) -> door-cam\n"
                      "    up, 3 fragments buffered (oldest 4.0 s), 120 acknowledged, 2 dropped, "
                      "2100 kbit/s\n"),
            std::string::npos)
      << text;
}

TEST_F(StatusCommandTest, JsonFlagPrintsTheDocument) {
  std::ostringstream out, err;
  ASSERT_EQ(RunStatus({"--listen", Listen(), "--json"}, env_, FileSystem::Default(), out, err), 0);
  EXPECT_EQ(out.str().rfind("{", 0), 0u);
  EXPECT_NE(out.str().find("\"device_id\":\"pi-17\""), std::string::npos);
}

TEST_F(StatusCommandTest, ReadsTheAddressFromTheConfig) {
  std::string dir = testing::MakeTempDir("kedge-status");
  std::ofstream(dir + "/kedge.yaml")
      << "http:\n  listen: " << Listen() << "\nsinks:\n  - {name: l, type: file, path: " << dir
      << "/o}\nsources:\n  - {name: s, type: stdin, sink: l}\n";
  std::ostringstream out, err;
  EXPECT_EQ(RunStatus({"--config", dir + "/kedge.yaml"}, env_, FileSystem::Default(), out, err), 0)
      << err.str();
  std::filesystem::remove_all(dir);
}

TEST_F(StatusCommandTest, NoAgentListeningIsAClearError) {
  int port = server_->port();
  server_->Stop();
  std::ostringstream out, err;
  EXPECT_EQ(RunStatus({"--listen", "127.0.0.1:" + std::to_string(port)}, env_,
                      FileSystem::Default(), out, err),
            1);
  EXPECT_NE(err.str().find("nothing is listening (is kedge running"), std::string::npos)
      << err.str();
  EXPECT_EQ(RunStatus({"--bogus"}, env_, FileSystem::Default(), out, err), 2);
}

TEST_F(StatusCommandTest, ClientReportsHttpErrors) {
  StatusOr<std::string> missing = HttpGetLocal(Listen(), "/nope", Millis(2000));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("HTTP 404"), std::string::npos);
  EXPECT_NE(FormatStatus("not json").find("not kedge status JSON"), std::string::npos);
}

}  // namespace
}  // namespace kedge::agent
