// Renders the status page in headless Chromium (Debian `chromium`) against a live StatusServer
// and checks that the charts drew the history: the page marks each canvas with the number of
// points it drew, and a screenshot is taken as a PNG. Skipped when Chromium is not installed.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "agent/metrics/status_server.h"
#include "tests/agent/metrics/status_fixture.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

std::string FindChromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

int PointsOf(const std::string& dom, const std::string& canvas_id) {
  std::smatch m;
  std::regex re("<canvas id=\"" + canvas_id + "\"[^>]*data-points=\"(\\d+)\"");
  return std::regex_search(dom, m, re) ? std::stoi(m[1]) : -1;
}

TEST(StatusPageBrowserTest, ChartsRenderTheHistoryInHeadlessChromium) {
  std::string chromium = FindChromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";
  StatusPicture picture;
  for (int i = 0; i < 30; ++i) {
    picture.history.Add({ToUnixMillis(picture.clock.WallNow()) + i * 2000,
                         static_cast<uint64_t>(i) * 500, static_cast<uint64_t>(i) * 450, 0,
                         static_cast<uint64_t>(i) * 100000, static_cast<uint64_t>(i) * 50,
                         i * 300});
  }
  picture.config.device_id = "pi-17";
  picture.AddCamera();
  std::unique_ptr<StatusServer> server_holder = picture.MakeServer();
  StatusServer& server = *server_holder;
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  std::string dir = testing::MakeTempDir("kedge-chromium");
  std::string flags =
      " --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=" + dir +
      "/profile --virtual-time-budget=4000 --window-size=1280,900 ";

  std::string dom = RunCommand(chromium + flags + "--dump-dom " + url + " 2>/dev/null");
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << dom.substr(0, 2000);
  EXPECT_EQ(PointsOf(dom, "tput"), 3 * 29) << "three rate series of 29 points";
  EXPECT_EQ(PointsOf(dom, "spool"), 2 * 30);
  EXPECT_NE(dom.find("pi-17"), std::string::npos);
  // The camera table: door is up, 3 fragments buffered, 2,100 kbit/s.
  std::regex camera_row(
      "<tr><td>door</td><td>door-cam</td><td>v4l2:/dev/video0</td><td>1280x720@30</td>"
      "<td>up</td><td>3</td><td>120</td><td>2</td><td>2100</td><td>4</td></tr>");
  EXPECT_TRUE(std::regex_search(dom, camera_row)) << dom.substr(0, 4000);
  EXPECT_FALSE(std::regex_search(dom, std::regex("<section id=\"camsec\"[^>]* hidden")))
      << "the cameras section is shown when there are cameras";

  std::string png = dir + "/status.png";
  RunCommand(chromium + flags + "--screenshot=" + png + " " + url + " 2>/dev/null");
  std::ifstream shot(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(shot)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(bytes.size(), 10000u) << "a blank page compresses to almost nothing";
  server.Stop();
  if (!std::getenv("KEDGE_KEEP_SCREENSHOT"))
    std::filesystem::remove_all(dir);
  else
    std::printf("screenshot: %s\n", png.c_str());
}

}  // namespace
}  // namespace kedge::agent
