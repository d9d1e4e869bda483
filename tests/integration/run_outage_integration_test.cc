// `kedge run` under trouble: the done-when run (40,000 lines through a kill -9, a
// rename rotation and a 10 s endpoint outage), a full spool under each when_full policy, and an
// outage with recovery seen in /metrics. The endpoint is kinesalite behind the SigV4-verifying
// proxy, which plays the outage (connections reset, or 503 answers).

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>

#include "tests/integration/run_fixture.h"

namespace kedge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// A 100-byte line (99 characters and the newline) that names its number.
std::string Line(int i) {
  char head[32];
  std::snprintf(head, sizeof head, "line %06d ", i);
  std::string line = head;
  line.resize(99, 'x');
  return line;
}

std::set<std::string> ExpectedLines(int from, int to) {
  std::set<std::string> out;
  for (int i = from; i < to; ++i) out.insert(Line(i));
  return out;
}

// Records that arrived more than once, and how often beyond the first.
size_t Duplicates(const std::vector<std::string>& got) {
  return got.size() - std::set<std::string>(got.begin(), got.end()).size();
}

// Polls `done` until it holds or `bound` passes; the bound only ends a failing test.
template <typename F>
bool Within(std::chrono::seconds bound, F done) {
  auto give_up = steady_clock::now() + bound;
  while (!done()) {
    if (steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

class RunOutageTest : public RunIntegrationTest {
 protected:
  void WriteLines(const std::string& name, int from, int to) {
    std::ofstream f(dir_ + "/" + name, std::ios::app);
    for (int i = from; i < to; ++i) f << Line(i) << '\n';
  }

  // kLines (2 MB) written, a 1 MiB spool under `when_full`, the endpoint resetting connections:
  // the agent started with all that.
  static constexpr int kLines = 20000;
  std::unique_ptr<testing::BackgroundProcess> StartWithEndpointDown(const std::string& when_full) {
    std::string config =
        WriteConfig("  max_bytes: 1MiB\n  when_full: " + when_full + "\n", /*http=*/true);
    proxy_->SetOutage(testing::ProxyOutage::kReset);
    WriteLines("app.log", 0, kLines);
    return StartAgent(config);
  }

  // Distinct lines in the stream, polled until `count` or `bound`.
  std::vector<std::string> WaitForLines(size_t count, std::chrono::seconds bound) {
    std::vector<std::string> got;
    Within(bound, [&] {
      got = Arrived();
      return std::set<std::string>(got.begin(), got.end()).size() >= count;
    });
    return got;
  }
};

// Issue #4's done-when: 40,000 lines written at a steady pace while the agent is killed with
// SIGKILL and restarted, the file is rotated by rename, and the endpoint is down for 10 s.
// Every line arrives; repeats (from the kill) stay under 1 %.
TEST_F(RunOutageTest, FortyThousandLinesSurviveKillNineRotationAndATenSecondOutage) {
  constexpr int kLines = 40000;
  constexpr int kKillAt = 8000, kRotateAt = 16000, kOutageAt = 22000;
  std::string config = WriteConfig("  commit_interval: 20ms\n");
  auto agent = StartAgent(config);
  ASSERT_TRUE(agent->started());

  // The writer: 2,000 lines/s in 20 ms steps, renaming app.log to app.log.1 at kRotateAt and
  // carrying on in a new app.log, as an application with logrotate's `create` does.
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto next = steady_clock::now();
    std::string name = "app.log";
    for (int i = 0; i < kLines; i += 40) {
      if (i == kRotateAt) {
        std::rename((dir_ + "/app.log").c_str(), (dir_ + "/app.log.1").c_str());
      }
      WriteLines("app.log", i, i + 40);
      written = i + 40;
      next += milliseconds(20);
      std::this_thread::sleep_until(next);  // pacing the load, not waiting for anything
    }
  });

  // (a) kill -9 while it ships, then start it again.
  ASSERT_TRUE(Within(seconds(30), [&] { return written >= kKillAt; }));
  ASSERT_TRUE(Within(seconds(30), [&] { return !Arrived().empty(); }));
  EXPECT_EQ(agent->Stop(SIGKILL), -1) << "killed by the signal, not exited";
  agent = StartAgent(config);
  ASSERT_TRUE(agent->started());
  // (b) happens in the writer at kRotateAt. (c) the endpoint goes away for 10 s.
  ASSERT_TRUE(Within(seconds(30), [&] { return written >= kOutageAt; }));
  proxy_->SetOutage(testing::ProxyOutage::kReset);
  auto outage_end = steady_clock::now() + seconds(10);
  Within(seconds(11), [&] { return steady_clock::now() >= outage_end; });
  int refused = proxy_->refused();
  proxy_->SetOutage(testing::ProxyOutage::kNone);
  writer.join();
  EXPECT_TRUE(std::ifstream(dir_ + "/app.log.1").good()) << "the file was rotated";

  std::vector<std::string> got = WaitForLines(kLines, seconds(40));
  EXPECT_EQ(agent->Stop(SIGTERM), 0);
  std::set<std::string> unique(got.begin(), got.end());
  std::set<std::string> want = ExpectedLines(0, kLines);
  std::vector<std::string> missing;
  for (const auto& line : want) {
    if (!unique.count(line)) missing.push_back(line.substr(0, 11));
  }
  size_t duplicates = Duplicates(got);
  std::printf("done-when: %zu records read back, %zu distinct, %zu duplicates (%.2f %%), "
              "%zu missing; %d requests refused during the outage\n",
              got.size(), unique.size(), duplicates, 100.0 * duplicates / kLines,
              missing.size(), refused);
  EXPECT_TRUE(missing.empty()) << "first missing: " << (missing.empty() ? "" : missing[0]);
  EXPECT_EQ(unique.size(), want.size()) << "records that were never written arrived";
  EXPECT_LE(duplicates, kLines / 100u);
  EXPECT_GT(refused, 0) << "the outage was not exercised";
  EXPECT_EQ(proxy_->rejected(), 0);
}

// An outage with recovery: what is written while the endpoint answers 503 waits in the spool
// and goes out once it is back; /metrics shows the failed requests, the retries and the error.
TEST_F(RunOutageTest, OutageSpoolsRecordsAndDeliversThemOnRecoveryWithRetriesInMetrics) {
  std::string config = WriteConfig("", /*http=*/true);
  WriteLines("app.log", 0, 500);
  auto agent = StartAgent(config);
  ASSERT_TRUE(agent->started());
  ASSERT_EQ(WaitForLines(500, seconds(30)).size(), 500u);
  std::string status = StatusAddress();
  ASSERT_FALSE(status.empty());

  proxy_->SetOutage(testing::ProxyOutage::kUnavailable);
  WriteLines("app.log", 500, 3000);
  // Spooled, not delivered: the spool holds them while requests fail and are retried.
  EXPECT_TRUE(Within(seconds(30), [&] {
    return Metric(status, "kedge_source_records_spooled_total") >= 3000 &&
           Metric(status, "kedge_kpl_request_failures_total") >= 2;
  }));
  EXPECT_TRUE(Within(seconds(10), [&] { return Metric(status, "kedge_spool_records") > 0; }));
  EXPECT_EQ(Arrived().size(), 500u);
  proxy_->SetOutage(testing::ProxyOutage::kNone);

  std::vector<std::string> got = WaitForLines(3000, seconds(60));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), ExpectedLines(0, 3000));
  EXPECT_EQ(Duplicates(got), 0u) << "a request refused whole is not a delivery";
  EXPECT_GT(Metric(status, "kedge_kpl_retries_total"), 0);
  EXPECT_GT(Metric(status, "kedge_kpl_errors_total"), 0);
  EXPECT_TRUE(Within(seconds(10), [&] { return Metric(status, "kedge_spool_records") == 0; }));
  EXPECT_EQ(agent->Stop(SIGINT), 0);
  EXPECT_GT(proxy_->refused(), 0);
}

// when_full: block with a 1 MiB spool and the endpoint down: the file source stops reading
// (the rest waits on disk), nothing is dropped, and everything arrives once the endpoint is
// back.
TEST_F(RunOutageTest, FullSpoolThatBlocksStopsReadingAndLosesNothing) {
  auto agent = StartWithEndpointDown("block");
  ASSERT_TRUE(agent->started());
  std::string status = StatusAddress();
  ASSERT_FALSE(status.empty());
  // The spool fills, the source is refused and waits.
  ASSERT_TRUE(Within(seconds(30), [&] {
    return Metric(status, "kedge_source_sink_refusals_total") > 0;
  }));
  double spooled = Metric(status, "kedge_source_records_spooled_total");
  EXPECT_GT(spooled, 0);
  EXPECT_LT(spooled, kLines) << "reading went on with a full spool";
  EXPECT_LE(Metric(status, "kedge_spool_bytes"), 1048576);
  EXPECT_EQ(Metric(status, "kedge_spool_dropped_records"), 0);

  proxy_->SetOutage(testing::ProxyOutage::kNone);
  std::vector<std::string> got = WaitForLines(kLines, seconds(60));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), ExpectedLines(0, kLines));
  EXPECT_EQ(Duplicates(got), 0u);
  EXPECT_EQ(Metric(status, "kedge_spool_dropped_records"), 0);
  EXPECT_EQ(agent->Stop(SIGINT), 0);
}

// when_full: drop_oldest with a 1 MiB spool and the endpoint down: reading goes on, the oldest
// records make room, and every drop is counted in /metrics and /status. What was not dropped
// arrives once the endpoint is back: delivered + dropped = written.
TEST_F(RunOutageTest, FullSpoolThatDropsOldestCountsEveryDropInMetricsAndStatus) {
  auto agent = StartWithEndpointDown("drop_oldest");
  ASSERT_TRUE(agent->started());
  std::string status = StatusAddress();
  ASSERT_FALSE(status.empty());
  ASSERT_TRUE(Within(seconds(30), [&] {
    return Metric(status, "kedge_source_records_spooled_total") >= kLines &&
           Metric(status, "kedge_spool_dropped_records") > 0;
  })) << "spooled " << Metric(status, "kedge_source_records_spooled_total") << ", in the spool "
      << Metric(status, "kedge_spool_records") << " records, "
      << Metric(status, "kedge_spool_bytes") << " bytes, in the producer "
      << Metric(status, "kedge_kpl_outstanding_records");
  EXPECT_EQ(Metric(status, "kedge_source_sink_refusals_total"), 0) << "drop_oldest never blocks";
  EXPECT_LE(Metric(status, "kedge_spool_bytes"), 1048576);
  auto page = agent::HttpGetLocal(status, "/status", Millis(5000));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_NE(page->find("kedge_spool_dropped_records"), std::string::npos);
  EXPECT_NE(page->find("\"dropped_records\""), std::string::npos);

  proxy_->SetOutage(testing::ProxyOutage::kNone);
  std::vector<std::string> got;
  double dropped = 0;
  EXPECT_TRUE(Within(seconds(60), [&] {
    got = Arrived();
    dropped = Metric(status, "kedge_spool_dropped_records");
    return Metric(status, "kedge_spool_records") == 0 &&
           std::set<std::string>(got.begin(), got.end()).size() + dropped >= kLines;
  }));
  std::set<std::string> unique(got.begin(), got.end());
  std::printf("drop_oldest: %zu delivered, %.0f dropped of %d\n", unique.size(), dropped,
              kLines);
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(unique.size() + static_cast<size_t>(dropped), static_cast<size_t>(kLines));
  EXPECT_TRUE(unique.count(Line(kLines - 1))) << "the newest records are kept";
  std::set<std::string> want = ExpectedLines(0, kLines);
  for (const auto& line : unique) EXPECT_TRUE(want.count(line)) << line;
  EXPECT_EQ(agent->Stop(SIGINT), 0);
}

}  // namespace
}  // namespace kedge
