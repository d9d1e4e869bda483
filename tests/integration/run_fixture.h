#pragma once
// The `kedge run` integration fixture: a stream in kinesalite behind the SigV4-verifying proxy
// (which can also play an outage), the agent as a real process, and helpers to write lines, read
// every user record back (testing::KinesisReader) and read the agent's /metrics.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/metrics/http_get_client.h"
#include "tests/faults/kinesis_reader.h"
#include "tests/integration/kinesis_test_proxy.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_util.h"

namespace kedge {

using testing::kTestAccessKeyId;
using testing::kTestSecretKey;

class RunIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = testing::RequireEnv("KEDGE_TEST_KINESIS_ENDPOINT");
    ASSERT_FALSE(upstream_.empty());
    proxy_ = std::make_unique<testing::KinesisTestProxy>(upstream_);
    ASSERT_TRUE(proxy_->Start().ok());
    reader_ = std::make_unique<testing::KinesisReader>(upstream_);
    dir_ = testing::MakeTempDir("kedge-run-it");
    stream_ = "run-it-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(reader_->CreateStream(stream_, 2));
  }

  // `spool` is extra YAML for the spool section (e.g. "  max_bytes: 1MiB\n"); with `http` the
  // status server listens on a free loopback port (StatusAddress finds it).
  std::string WriteConfig(const std::string& spool = "", bool http = false) {
    std::string path = dir_ + "/kedge.yaml";
    std::ofstream(path) << "state_dir: " << dir_ << "/state\n"
                        << (spool.empty() ? "" : "spool:\n" + spool)
                        << (http ? "http:\n  listen: 127.0.0.1:0\n" : "http:\n  enabled: false\n")
                        << "sinks:\n  - name: logs\n    type: kinesis\n    stream: " << stream_
                        << "\n    endpoint: " << proxy_->Url() << "\n    protocol: json\n"
                        << "sources:\n  - name: app\n    type: file\n    path: " << dir_
                        << "/app.log\n    sink: logs\n";
    return path;
  }

  void AppendLines(int from, int to) {
    std::ofstream f(dir_ + "/app.log", std::ios::app);
    for (int i = from; i < to; ++i) f << "event " << i << " from the edge\n";
  }

  std::unique_ptr<testing::BackgroundProcess> StartAgent(const std::string& config) {
    return std::make_unique<testing::BackgroundProcess>(
        std::vector<std::string>{testing::BinaryPath("agent/kedge"), "run", "--config", config},
        std::map<std::string, std::string>{{"AWS_ACCESS_KEY_ID", kTestAccessKeyId},
                                           {"AWS_SECRET_ACCESS_KEY", kTestSecretKey},
                                           {"AWS_REGION", "us-east-1"},
                                           {"HOME", dir_}},
        dir_ + "/agent.log");
  }

  // Every user record in the stream, aggregates opened.
  std::vector<std::string> Arrived() { return reader_->ReadAll(stream_); }

  // Polls the stream until `count` distinct records arrived or 60 s passed. Repeats after a
  // kill -9 do not count towards `count`.
  std::vector<std::string> WaitFor(size_t count) {
    return reader_->WaitForDistinct(stream_, count, std::chrono::seconds(60));
  }

  // The status server's host:port, from the agent's log line (bounded: 20 s).
  std::string StatusAddress() {
    const std::string marker = "status page at http://";
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      std::ifstream in(dir_ + "/agent.log");
      std::stringstream text;
      text << in.rdbuf();
      std::string log = text.str();
      size_t at = log.rfind(marker);
      if (at != std::string::npos) {
        size_t from = at + marker.size();
        size_t slash = log.find('/', from);
        if (slash != std::string::npos) return log.substr(from, slash - from);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }

  // The sum of a metric's samples (all label sets) on /metrics; -1 when unreadable.
  static double Metric(const std::string& address, const std::string& name) {
    auto page = agent::HttpGetLocal(address, "/metrics", Millis(5000));
    if (!page.ok()) return -1;
    std::istringstream lines(*page);
    double sum = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.compare(0, name.size(), name) != 0) continue;
      if (line.size() > name.size() && line[name.size()] != ' ' && line[name.size()] != '{') {
        continue;  // another metric whose name starts with this one
      }
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }

  static std::set<std::string> Expected(int n) {
    std::set<std::string> out;
    for (int i = 0; i < n; ++i) out.insert("event " + std::to_string(i) + " from the edge");
    return out;
  }

  std::string upstream_, dir_, stream_;
  std::unique_ptr<testing::KinesisTestProxy> proxy_;
  std::unique_ptr<testing::KinesisReader> reader_;
};

}  // namespace kedge
