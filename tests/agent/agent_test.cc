// The agent's loop (Agent::Run) with real files, a file sink and a FakeClock that never moves:
// whatever is delivered was delivered because the loop woke up, not because time passed.

#include "agent/agent.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class AgentLoopTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("kedge-agent-loop"); }
  void TearDown() override {
    if (thread_.joinable()) {
      agent_->RequestStop();  // wakes a loop that would otherwise sleep for idle_poll (1 h)
      thread_.join();
      EXPECT_TRUE(ran_.ok()) << ran_.ToString();
    }
    fs::remove_all(dir_);
  }

  AgentConfig Config() const {
    AgentConfig config;
    config.state_dir = dir_ + "/state";
    config.spool.commit_records = 1;  // commit each batch: no commit timer on a frozen clock
    SinkConfig sink;
    sink.name = "out";
    sink.type = SinkType::kFile;
    sink.path = dir_ + "/out.jsonl";
    sink.sync = false;
    config.sinks.push_back(sink);
    SourceConfig source;
    source.name = "app";
    source.type = SourceType::kFile;
    source.path = dir_ + "/app.log";
    source.sink = "out";
    config.sources.push_back(source);
    return config;
  }

  void Start(AgentOptions options) {
    options.shutdown_grace = milliseconds(0);  // a frozen clock would never end a grace period
    auto agent = Agent::Create(Config(), Env::Default(), clock_, metrics_, options);
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    agent_ = std::move(*agent);
    thread_ = std::thread([this] { ran_ = agent_->Run(); });
  }

  // idle_poll 1 h: on the frozen clock only a wake-up (inotify, stop) ends the loop's wait.
  void StartSleepingForAnHour() {
    AgentOptions options;
    options.idle_poll = std::chrono::hours(1);
    Start(options);
  }

  void Append(const std::string& name, const std::string& line) {
    std::ofstream(dir_ + "/" + name, std::ios::app) << line << "\n";
  }

  // Bounded polling of the sink's output (20 s, far below the 1 h idle_poll the tests set).
  bool Delivered(const std::string& text) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      std::ifstream in(dir_ + "/out.jsonl");
      std::stringstream out;
      out << in.rdbuf();
      if (out.str().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }

  std::string dir_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<Agent> agent_;
  std::thread thread_;
  Status ran_;
};

TEST_F(AgentLoopTest, InotifyWakesTheLoopForAnAppendedLineWithoutWaitingForIdlePoll) {
  Append("app.log", "line one");
  StartSleepingForAnHour();
  ASSERT_TRUE(Delivered("line one"));
  Append("app.log", "line two");  // the loop sleeps (1 h, clock frozen) until inotify wakes it
  EXPECT_TRUE(Delivered("line two"));
}

TEST_F(AgentLoopTest, InotifyMakesTheSourceFindARotatedInFileBeforePollInterval) {
  Append("app.log", "before rotation");
  StartSleepingForAnHour();
  ASSERT_TRUE(Delivered("before rotation"));
  // The clock never reaches poll_interval, so only the rename/create events make the source
  // re-scan its glob and find the new app.log.
  fs::rename(dir_ + "/app.log", dir_ + "/app.log.1");
  Append("app.log.1", "late line in the old file");
  Append("app.log", "first line of the new file");
  EXPECT_TRUE(Delivered("late line in the old file"));
  EXPECT_TRUE(Delivered("first line of the new file"));
}

TEST_F(AgentLoopTest, WithoutInotifyTheIdlePollStillPicksUpLinesAndNewFiles) {
  Append("app.log", "line one");
  AgentOptions options;
  options.inotify = false;
  options.idle_poll = milliseconds(10);
  Start(options);
  ASSERT_TRUE(Delivered("line one"));
  Append("app.log", "line two");
  EXPECT_TRUE(Delivered("line two"));
  fs::rename(dir_ + "/app.log", dir_ + "/app.log.1");
  Append("app.log", "new file");
  clock_.Advance(std::chrono::seconds(1));  // past poll_interval: the glob is scanned again
  EXPECT_TRUE(Delivered("new file"));
}

// A stop lets the sinks deliver, within the grace period, everything read before it, not only
// what they had already leased: with a working sink the spool is empty afterwards.
TEST_F(AgentLoopTest, AGracefulStopDeliversEverythingReadBeforeIt) {
  {
    std::ofstream out(dir_ + "/app.log");
    for (int i = 0; i < 20000; ++i) out << "line " << i << "\n";
  }
  AgentConfig config = Config();
  config.spool.commit_records = 500;
  AgentOptions options;
  options.shutdown_grace = std::chrono::seconds(30);  // the real clock: bounded
  auto agent = Agent::Create(config, Env::Default(), Clock::Real(), metrics_, options);
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  agent_ = std::move(*agent);
  thread_ = std::thread([this] { ran_ = agent_->Run(); });
  ASSERT_TRUE(Delivered("line 0"));
  agent_->RequestStop();  // mid-file: records are in the spool, most not yet leased
  thread_.join();
  ASSERT_TRUE(ran_.ok()) << ran_.ToString();

  EXPECT_EQ(agent_->records_in_spool(), 0u);
  std::ifstream in(dir_ + "/out.jsonl");
  size_t delivered = 0;
  for (std::string line; std::getline(in, line);) ++delivered;
  EXPECT_GT(delivered, 0u);
}

}  // namespace
}  // namespace kedge::agent
