#pragma once
// The `kedge run` integration fixture: a stream in kinesalite behind the SigV4-verifying proxy
// (which can also play an outage), the agent as a real process, and helpers to write lines, read
// every user record back (aggregates opened) and read the agent's /metrics.

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

#include "agent/cli/aws_context.h"
#include "agent/metrics/http_get_client.h"
#include "kpl/aggregated_record.h"
#include "kpl/kinesis_client.h"
#include "platform/aws/credential_providers.h"
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
    http_ = net::NewCurlHttpClient({});
    api_ = std::make_unique<kpl::KinesisClient>(*http_, credentials_, Clock::Real(),
                                                kpl::KinesisClientOptions{upstream_, "us-east-1"});
    dir_ = testing::MakeTempDir("kedge-run-it");
    stream_ = "run-it-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto created = agent::Await<bool>(
        *http_, [&](auto done) { api_->CreateStream(stream_, 2, std::move(done)); });
    ASSERT_TRUE(created.ok()) << created.status().ToString();
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
  std::vector<std::string> Arrived() {
    std::vector<std::string> out;
    auto shards = agent::Await<std::vector<kpl::Shard>>(
        *http_, [&](auto done) { api_->ListShards(stream_, std::move(done)); });
    if (!shards.ok()) return out;
    for (const auto& shard : *shards) {
      auto it = agent::Await<std::string>(*http_, [&](auto done) {
        api_->GetShardIterator(stream_, shard.shard_id, "TRIM_HORIZON", "", std::move(done));
      });
      std::string iterator = it.value_or("");
      while (!iterator.empty()) {
        auto page = agent::Await<kpl::GetRecordsResult>(
            *http_, [&](auto done) { api_->GetRecords(iterator, 10000, std::move(done)); });
        if (!page.ok() || page->records.empty()) break;
        for (auto& r : page->records) {
          for (auto& u : kpl::Deaggregate(r.data, r.partition_key, "")) out.push_back(u.data);
        }
        iterator = page->next_shard_iterator;
      }
    }
    return out;
  }

  // Polls the stream until `count` distinct records arrived or 60 s passed (a bound, not a
  // sleep standing in for synchronisation: the condition is checked each time). Repeats after
  // a kill -9 do not count towards `count`.
  std::vector<std::string> WaitFor(size_t count) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::vector<std::string> got;
    while (std::chrono::steady_clock::now() < give_up) {
      got = Arrived();
      if (std::set<std::string>(got.begin(), got.end()).size() >= count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return got;
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
  aws::StaticCredentialsProvider credentials_{
      aws::Credentials{kTestAccessKeyId, kTestSecretKey, "", std::nullopt}};
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<kpl::KinesisClient> api_;
};

}  // namespace kedge
