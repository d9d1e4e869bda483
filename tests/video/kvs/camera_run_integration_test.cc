// `kedge run` with `cameras:` end to end: a test camera streams to kedge-ingest (in process,
// SigV4 required); fragments arrive, /metrics shows the kedge_video_* figures, SIGHUP leaves an
// unchanged camera alone and restarts a changed one, SIGTERM stops cleanly.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <regex>

#include "agent/metrics/http_get_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"
#include "tests/video/kvs/kvs_ingest_fixture.h"

namespace kedge::video {
namespace {

using testing::WaitFor;

constexpr char kStream[] = "run-cam";

class CameraRunTest : public testing::KvsIngestFixture {
 protected:
  std::string WriteConfig(int bitrate) {
    std::string path = dir_ + "/kedge.yaml";
    std::ofstream(path) << "state_dir: " << dir_ << "/state\n"
                        << "http:\n  listen: 127.0.0.1:0\n"
                        << "cameras:\n"
                        << "  - name: cam\n    stream: " << kStream << "\n    source: test\n"
                        << "    width: 320\n    height: 240\n    fps: 30\n    bitrate: " << bitrate
                        << "\n    fragment_seconds: 1\n    endpoint: " << url_
                        << "\n    create_stream: true\n    drain_timeout: 10s\n"
                        // A camera that cannot start: retried, and no harm to the other.
                        << "  - name: broken\n    stream: broken\n    source: file:" << dir_
                        << "/absent.mp4\n    endpoint: " << url_ << "\n";
    return path;
  }

  std::string Log() { return Env::Default().ReadFile(dir_ + "/agent.log").value_or(""); }

  size_t Count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  // The sum of the samples of `name` whose labels include `label` (e.g. type="persisted").
  static double Metric(const std::string& page, const std::string& name,
                       const std::string& label = "") {
    double sum = 0;
    std::regex line("^" + name + "(\\{[^}]*\\})? ([0-9.e+-]+)$", std::regex::multiline);
    for (auto it = std::sregex_iterator(page.begin(), page.end(), line);
         it != std::sregex_iterator(); ++it) {
      if (label.empty() || (*it)[1].str().find(label) != std::string::npos) {
        sum += std::stod((*it)[2].str());
      }
    }
    return sum;
  }

  std::string dir_ = kedge::testing::MakeTempDir("kedge-run-cam");
};

TEST_F(CameraRunTest, KedgeRunStreamsACameraExportsMetricsReloadsAndStopsCleanly) {
  std::string config = WriteConfig(300);
  kedge::testing::BackgroundProcess agent(
      {kedge::testing::BinaryPath("agent/kedge"), "run", "--config", config}, KedgeEnv(dir_),
      dir_ + "/agent.log");
  ASSERT_TRUE(agent.started());
  ASSERT_TRUE(WaitFor([&] { return ListFragments(kStream).size() >= 3; }, Millis(30000))) << Log();

  std::smatch port;
  std::string log = Log();
  ASSERT_TRUE(std::regex_search(log, port, std::regex("status page at http://(127.0.0.1:[0-9]+)/")))
      << log;
  std::string page;
  ASSERT_TRUE(WaitFor(
      [&] {
        page = agent::HttpGetLocal(port[1].str(), "/metrics", Millis(2000)).value_or("");
        return Metric(page, "kedge_video_ack_latency_seconds_count") >= 2;
      },
      Millis(15000)))
      << page;
  EXPECT_GT(Metric(page, "kedge_video_frames_total", "camera=\"cam\""), 30);
  EXPECT_GE(Metric(page, "kedge_video_fragments_stored_total"), 2);
  EXPECT_GE(Metric(page, "kedge_video_fragments_sent_total"), 2);
  EXPECT_GE(Metric(page, "kedge_video_fragments_acknowledged_total"), 2);
  EXPECT_GE(Metric(page, "kedge_video_acks_total", "type=\"persisted\""), 2);
  EXPECT_GE(Metric(page, "kedge_video_acks_total", "type=\"buffering\""), 2);
  EXPECT_EQ(Metric(page, "kedge_video_acks_total", "type=\"error\""), 0);
  EXPECT_GT(Metric(page, "kedge_video_upload_bytes_total"), 1000);
  EXPECT_GT(Metric(page, "kedge_video_ack_latency_seconds_sum"), 0);
  EXPECT_LT(Metric(page, "kedge_video_ack_latency_seconds_sum") /
                Metric(page, "kedge_video_ack_latency_seconds_count"),
            5.0);
  EXPECT_EQ(Metric(page, "kedge_video_camera_up", "camera=\"cam\""), 1);
  EXPECT_NE(page.find("kedge_video_camera_up{camera=\"broken\",stream=\"broken\"} 0"),
            std::string::npos)
      << page;
  EXPECT_NE(Log().find("camera broken: "), std::string::npos);
  EXPECT_NE(Log().find("(retrying in 30 s)"), std::string::npos) << Log();
  for (const char* gauge : {"kedge_video_fragments_buffered", "kedge_video_store_bytes",
                            "kedge_video_store_oldest_fragment_age_seconds",
                            "kedge_video_upload_bitrate_bps", "kedge_video_frames_dropped_total"}) {
    EXPECT_NE(page.find(std::string(gauge) + "{camera=\"cam\""), std::string::npos) << gauge;
  }

  // SIGHUP, same file: the camera keeps streaming untouched. (The next SIGHUP waits until the
  // agent runs again: kedge run does not take a SIGHUP while it is between two runs.)
  agent.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Count(Log(), "kedge running:") == 2; }, Millis(15000))) << Log();
  EXPECT_EQ(Count(Log(), "reloaded "), 1u);
  EXPECT_EQ(Count(Log(), "camera cam: streaming"), 1u) << Log();
  // SIGHUP with a new bitrate: that camera restarts.
  WriteConfig(400);
  agent.Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Count(Log(), "camera cam: streaming") == 2; }, Millis(30000)))
      << Log();
  EXPECT_EQ(Count(Log(), "camera cam: settings changed"), 1u);
  size_t before = ListFragments(kStream).size();
  ASSERT_TRUE(WaitFor([&] { return ListFragments(kStream).size() >= before + 2; }, Millis(30000)))
      << "fragments still arrive after the restart\n"
      << Log();

  EXPECT_EQ(agent.Stop(SIGTERM), 0) << Log();
  EXPECT_NE(Log().find("camera cam stopped"), std::string::npos) << Log();
  std::vector<int64_t> stored = ListFragments(kStream);
  for (size_t i = 1; i < stored.size(); ++i) EXPECT_GT(stored[i], stored[i - 1]);
}

TEST_F(CameraRunTest, CheckConfigReportsABadCameraWithFileAndLine) {
  std::string path = dir_ + "/bad.yaml";
  std::ofstream(path) << "state_dir: " << dir_ << "/state\n"
                      << "cameras:\n"
                      << "  - name: cam\n    stream: " << kStream << "\n"
                      << "    source: v4l2:video0\n"
                      << "    fps: 1000\n";
  kedge::testing::ProcessResult run = kedge::testing::RunProcess(
      {kedge::testing::BinaryPath("agent/kedge"), "check-config", "--config", path},
      KedgeEnv(dir_));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  std::string all = run.out + run.err;
  EXPECT_NE(all.find(path + ":6: cameras[0].fps"), std::string::npos) << all;
  EXPECT_NE(all.find(path + ":5: cameras[0].source"), std::string::npos) << all;
}

}  // namespace
}  // namespace kedge::video
