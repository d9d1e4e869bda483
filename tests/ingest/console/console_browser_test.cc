// The web console in headless Chromium (Debian `chromium`), driven over the DevTools protocol by
// tests/ingest/console/cdp_wait.cjs: real H.264 from ffmpeg is uploaded with PutMedia, the console
// page lists the streams and records, and its player (hls.js built in from the npm package)
// plays the video — the <video>'s currentTime advances — recorded (ON_DEMAND from a fragment)
// and live. Skipped when chromium, node or ffmpeg are missing.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ingest/web/console_service.h"
#include "tests/ingest/ingest_test_client.h"
#include "tests/ingest/raw_connection.h"
#include "tests/support/test_util.h"
#include "tests/video/mkv/mkv_testutil.h"

extern char** environ;

namespace kedge::ingest {
namespace {

namespace mkvt = video::mkv::testing;
using nlohmann::json;

std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Headless Chromium with remote debugging on a free loopback port, in its own process group.
class Chromium {
 public:
  bool Start(const std::string& profile_dir) {
    profile_ = profile_dir;
    std::vector<std::string> args = {"/usr/bin/chromium", "--headless", "--no-sandbox",
                                     "--disable-gpu", "--no-first-run", "--mute-audio",
                                     "--autoplay-policy=no-user-gesture-required",
                                     "--remote-debugging-address=127.0.0.1",
                                     "--remote-debugging-port=0", "--user-data-dir=" + profile_,
                                     "about:blank"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&files, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid_, argv[0], &files, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return false;
    // Chromium writes its debugging port here once it listens (bounded wait).
    for (int i = 0; i < 600 && port_.empty(); ++i) {
      std::ifstream file(profile_ + "/DevToolsActivePort");
      std::getline(file, port_);
      if (port_.empty()) ::usleep(50 * 1000);
    }
    return !port_.empty();
  }
  ~Chromium() { Stop(); }
  // Ends the browser and its helper processes, then removes its profile.
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    ::kill(-pid_, SIGKILL);  // helpers that outlived the browser
    pid_ = -1;
    std::error_code ignored;  // a helper may still be closing a file in it
    std::filesystem::remove_all(profile_, ignored);
  }
  const std::string& port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::string profile_;
  std::string port_;
};

class ConsoleBrowserTest : public testing::IngestServerTest {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/chromium", X_OK) != 0) GTEST_SKIP() << "chromium is not installed";
    if (!mkvt::RequireTool("node") || !mkvt::RequireTool("ffmpeg")) GTEST_SKIP();
    IngestServerTest::SetUp();
    std::string out;
    node_ = mkvt::RunCommand("node --experimental-websocket -e '' 2>&1", &out) == 0
                ? "node --experimental-websocket"
                : "node";
    ASSERT_TRUE(chromium_.Start(kedge::testing::MakeTempDir("kedge-chromium")))
        << "chromium did not start";
  }
  void TearDown() override {
    chromium_.Stop();
    if (server_) IngestServerTest::TearDown();
  }

  // Six 1-second GOPs of 320x240 H.264 from ffmpeg's test source, RELATIVE to `start_s`.
  void UploadVideo(const std::string& stream, int64_t start_s) {
    std::string source = data_dir_ + "/source.mkv", output;
    ASSERT_EQ(mkvt::RunCommand("ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=25 -t 6 "
                               "-c:v libx264 -g 25 -bf 0 -pix_fmt yuv420p -live 1 -f matroska "
                               "pipe:1 > '" + source + "'", &output), 0) << output;
    video::mkv::Bytes mkv = mkvt::ReadFileBytes(source);
    testing::RawConnection upload(server_->port());
    upload.Send("POST /putMedia HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "x-amzn-stream-name: " + stream + "\r\nx-amzn-fragment-timecode-type: RELATIVE\r\n"
                "x-amzn-producer-start-timestamp: " + std::to_string(start_s) + "\r\n\r\n");
    upload.SendChunk(std::string(mkv.begin(), mkv.end()));
    upload.SendChunk("");
    ASSERT_NE(upload.ReadAll().find("\"FragmentTimecode\":5000"), std::string::npos);
  }

  // Opens `url` and waits until `condition` holds; returns the `report` expression's value.
  json Browse(const std::string& url, const std::string& condition, const std::string& report) {
    std::string script = kedge::testing::SourceDir() + "/tests/ingest/console/cdp_wait.cjs";
    std::string output;
    mkvt::RunCommand(node_ + " " + Quote(script) + " " + chromium_.port() + " " + Quote(url) +
                         " " + Quote(condition) + " " + Quote(report) + " 40 2>/dev/null",
                     &output);
    json result = json::parse(output, nullptr, false);
    EXPECT_TRUE(result.is_object()) << output;
    if (!result.is_object()) return json();
    EXPECT_TRUE(result.value("ok", false)) << output;
    return result["report"];
  }

  std::string node_;
  Chromium chromium_;
};

// True once the <video>'s currentTime has advanced `seconds` past the first time it was seen
// above 0 (a live player first seeks near the newest fragments; only playing advances it).
std::string Advanced(double seconds) {
  return "(() => { const t = document.getElementById('player').currentTime;"
         " if (window.firstTime === undefined) { if (t > 0) window.firstTime = t; return false; }"
         " return t - window.firstTime >= " + std::to_string(seconds) + "; })()";
}

double Seconds(const json& value) { return value.is_number() ? value.get<double>() : -1.0; }

constexpr char kPlayerState[] =
    "JSON.stringify({state: document.getElementById('player-state').dataset.state,"
    " engine: document.getElementById('player-state').dataset.engine,"
    " text: document.getElementById('player-state').textContent,"
    " time: document.getElementById('player').currentTime,"
    " advanced: document.getElementById('player').currentTime - window.firstTime})";

// With hls.js built in (scripts/install-deps installs it before configuring) the console plays
// with it; without, with Chromium's own HLS.
TEST_F(ConsoleBrowserTest, PlaysARecordedStreamFromAFragment) {
  ASSERT_EQ(testing::Post(url_ + "/createStream", json{{"StreamName", "cam"}, {"DataRetentionInHours", 1}}.dump(), {}).status, 200);
  UploadVideo("cam", 1767225600);
  // Play from the second fragment (producer time start + 1 s): 5 seconds of recording.
  json report = Browse(url_ + "/#video=cam&from=1767225601000", Advanced(2.0), kPlayerState);
  json state = json::parse(report.is_string() ? report.get<std::string>() : "{}");
  EXPECT_EQ(state["engine"], ConsoleService::HasHlsJs() ? "hls.js" : "native") << report;
  EXPECT_EQ(state["state"], "playing") << report;
  EXPECT_GE(Seconds(state["advanced"]), 2.0) << report;
  EXPECT_LE(Seconds(state["time"]), 5.1) << "the recording from the 2nd fragment is 5 s long";
}

// Chromium's own HLS (MSE underneath, stricter than hls.js about timestamps) plays the same
// segments: the console's fallback when hls.js was not built in.
TEST_F(ConsoleBrowserTest, PlaysWithTheBrowsersOwnHlsToo) {
  ASSERT_EQ(testing::Post(url_ + "/createStream", json{{"StreamName", "cam"}, {"DataRetentionInHours", 1}}.dump(), {}).status, 200);
  UploadVideo("cam", 1767225600);
  std::string without_hls_js =
      "(() => { if (typeof play !== 'function') return false;"
      " if (!window.started) { window.started = true; window.Hls = undefined;"
      " play('cam', 1767225601000); return false; }"
      " return " + Advanced(2.0) + "; })()";
  json report = Browse(url_ + "/", without_hls_js, kPlayerState);
  json state = json::parse(report.is_string() ? report.get<std::string>() : "{}");
  if (state["engine"] == "none") GTEST_SKIP() << "this Chromium has no HLS of its own";
  EXPECT_EQ(state["engine"], "native") << report;
  EXPECT_EQ(state["state"], "playing") << report;
  EXPECT_GE(Seconds(state["advanced"]), 2.0) << report;
}

TEST_F(ConsoleBrowserTest, PlaysTheNewestFragmentsLive) {
  ASSERT_EQ(testing::Post(url_ + "/createStream", json{{"StreamName", "live"}, {"DataRetentionInHours", 1}}.dump(), {}).status, 200);
  UploadVideo("live", 1767225600);
  // LIVE starts near the newest of the 5 fragments in its playlist, and plays from there.
  json report = Browse(url_ + "/#video=live", Advanced(1.0), kPlayerState);
  json state = json::parse(report.is_string() ? report.get<std::string>() : "{}");
  EXPECT_EQ(state["state"], "playing") << report;
  EXPECT_GE(Seconds(state["advanced"]), 1.0) << report;
}

TEST_F(ConsoleBrowserTest, ListsStreamsRecordsAndTheFragmentTimeline) {
  ASSERT_EQ(testing::Post(url_ + "/createStream", json{{"StreamName", "cam"}, {"DataRetentionInHours", 1}}.dump(), {}).status, 200);
  UploadVideo("cam", 1767225600);
  ASSERT_EQ(testing::CallJson(url_, "Kinesis_20131202.CreateStream", {{"StreamName", "logs"}, {"ShardCount", 2}}).status, 200);
  json records = json::array();
  for (int i = 0; i < 7; ++i) {
    records.push_back({{"Data", "bGluZSBvZiBsb2c="}, {"PartitionKey", "k" + std::to_string(i)}});  // "line of log"
  }
  ASSERT_EQ(testing::CallJson(url_, "Kinesis_20131202.PutRecords", {{"StreamName", "logs"}, {"Records", records}}).status, 200);
  ASSERT_EQ(testing::CallJson(url_, "Firehose_20150804.PutRecord",
                              {{"DeliveryStreamName", "metrics"}, {"Record", {{"Data", "eyJjcHUiOjF9"}}}}).status, 200);
  json report = Browse(url_ + "/#video=cam&records=logs",
                       "document.querySelectorAll('#records tr').length == 7 && "
                       "document.querySelectorAll('#timeline div').length == 6",
                       "JSON.stringify({video: [...document.querySelectorAll('#video-list tr[data-name]')].map(r => r.dataset.name),"
                       " data: document.getElementById('data-list').textContent,"
                       " firehose: document.getElementById('firehose-list').textContent,"
                       " record: document.querySelector('#records code') && document.querySelector('#records code').textContent,"
                       " timeline: document.querySelectorAll('#timeline div').length})");
  json page = json::parse(report.is_string() ? report.get<std::string>() : "{}");
  EXPECT_EQ(page["video"], json::array({"cam"})) << report;
  EXPECT_EQ(page["data"], "logs27") << report;  // name, shards, records
  EXPECT_EQ(page["firehose"], "metrics") << report;
  EXPECT_EQ(page["record"], "line of log") << report;
  EXPECT_EQ(page["timeline"], 6) << report;
}

}  // namespace
}  // namespace kedge::ingest
