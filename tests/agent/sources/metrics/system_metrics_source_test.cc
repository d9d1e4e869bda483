// The metrics source on a fake /proc and /sys tree in a temp dir, with a FakeClock.
#include "agent/sources/metrics/system_metrics_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/agent/sources/recording_sink.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

using nlohmann::json;

using testing::RecordingSink;

void Write(const std::string& path, const std::string& text) {
  std::string dir = path.substr(0, path.rfind('/'));
  std::system(("mkdir -p '" + dir + "'").c_str());
  std::ofstream(path) << text;
}

std::string ProcStat(uint64_t user, uint64_t system, uint64_t idle, uint64_t iowait) {
  return "cpu  " + std::to_string(user) + " 0 " + std::to_string(system) + " " +
         std::to_string(idle) + " " + std::to_string(iowait) +
         " 0 0 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\ncpu1 1 0 1 1 0 0 0 0 0 0\nintr 123\n";
}

std::string NetDev(uint64_t eth_rx, uint64_t eth_tx) {
  return "Inter-|   Receive                                                |  Transmit\n"
         " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
         "errs drop fifo colls carrier compressed\n"
         "    lo:  5000      50    0    0    0     0          0         0     5000      50    "
         "0    0    0     0       0          0\n"
         "  eth0: " + std::to_string(eth_rx) + "  100    1    2    0     0          0         0 " +
         std::to_string(eth_tx) + "  80    3    4    0     0       0          0\n";
}

class SystemMetricsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::MakeTempDir("kedge-metrics");
    Write(root_ + "/proc/stat", ProcStat(100, 50, 800, 50));
    Write(root_ + "/proc/meminfo",
          "MemTotal:        1000 kB\nMemFree:          100 kB\nMemAvailable:     250 kB\n"
          "SwapTotal:        512 kB\nSwapFree:         256 kB\n");
    Write(root_ + "/proc/net/dev", NetDev(1000000, 2000000));
    Write(root_ + "/proc/loadavg", "0.52 0.58 0.59 1/389 12345\n");
    Write(root_ + "/proc/uptime", "12345.67 23456.78\n");
    Write(root_ + "/sys/class/thermal/thermal_zone0/temp", "48312\n");
    Write(root_ + "/sys/class/thermal/thermal_zone0/type", "cpu-thermal\n");
    Write(root_ + "/sys/class/thermal/thermal_zone1/temp", "-5000\n");
    Write(root_ + "/sys/class/thermal/thermal_zone1/type", "GPU-therm\n");
    Write(root_ + "/sys/class/thermal/cooling_device0/type", "fan\n");
    config_.name = "system";
    config_.type = SourceType::kMetrics;
    config_.metrics.interval = std::chrono::seconds(10);
    config_.metrics.disk_paths = {"/"};
  }
  void TearDown() override { std::system(("rm -rf '" + root_ + "'").c_str()); }

  std::unique_ptr<SystemMetricsSource> Make() {
    return std::make_unique<SystemMetricsSource>(config_, SystemMetricsOptions{"pi-7", root_}, env_,
                                                 clock_, sink_, metrics_);
  }

  std::string root_;
  SourceConfig config_;
  PosixEnv env_;
  FakeClock clock_;
  RecordingSink sink_;
  MetricsRegistry metrics_;
};

TEST_F(SystemMetricsSourceTest, OneRecordPerIntervalWithRatesFromTheDeltas) {
  auto source = Make();
  ASSERT_TRUE(source->Start({}).ok());
  EXPECT_EQ(source->Poll().records, 0u);  // the first record needs a full interval
  clock_.Advance(std::chrono::seconds(9));
  EXPECT_EQ(source->Poll().records, 0u);

  // 200 ticks pass: 50 user, 25 system, 100 idle, 25 iowait; eth0 moves 10,000 / 5,000 bytes.
  Write(root_ + "/proc/stat", ProcStat(150, 75, 900, 75));
  Write(root_ + "/proc/net/dev", NetDev(1010000, 2005000));
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(source->Poll().records, 1u);
  ASSERT_EQ(sink_.records.size(), 1u);
  json j = json::parse(sink_.records[0].data);
  SCOPED_TRACE(sink_.records[0].data);

  EXPECT_EQ(j["device_id"], "pi-7");
  EXPECT_EQ(j["ts"], ToUnixMillis(clock_.WallNow()));
  EXPECT_EQ(j["cpu"]["cores"], 2);
  EXPECT_DOUBLE_EQ(j["cpu"]["usage_pct"].get<double>(), 37.5);  // 1 - 125/200
  EXPECT_DOUBLE_EQ(j["cpu"]["user_pct"].get<double>(), 25.0);
  EXPECT_DOUBLE_EQ(j["cpu"]["iowait_pct"].get<double>(), 12.5);
  EXPECT_EQ(j["memory"]["total_bytes"], 1000 * 1024);
  EXPECT_EQ(j["memory"]["available_bytes"], 250 * 1024);
  EXPECT_DOUBLE_EQ(j["memory"]["used_pct"].get<double>(), 75.0);
  EXPECT_EQ(j["memory"]["swap_free_bytes"], 256 * 1024);
  ASSERT_EQ(j["network"].size(), 1u);  // loopback left out
  EXPECT_EQ(j["network"][0]["interface"], "eth0");
  EXPECT_DOUBLE_EQ(j["network"][0]["rx_bytes_per_s"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(j["network"][0]["tx_bytes_per_s"].get<double>(), 500.0);
  EXPECT_EQ(j["network"][0]["rx_errors"], 1);
  ASSERT_EQ(j["thermal"].size(), 2u);
  EXPECT_EQ(j["thermal"][0]["type"], "cpu-thermal");
  EXPECT_DOUBLE_EQ(j["thermal"][0]["celsius"].get<double>(), 48.31);
  EXPECT_DOUBLE_EQ(j["thermal"][1]["celsius"].get<double>(), -5.0);
  EXPECT_DOUBLE_EQ(j["load"]["1m"].get<double>(), 0.52);
  EXPECT_DOUBLE_EQ(j["uptime_s"].get<double>(), 12345.67);
  ASSERT_EQ(j["disk"].size(), 1u);
  EXPECT_EQ(j["disk"][0]["path"], "/");
  EXPECT_GT(j["disk"][0]["total_bytes"].get<uint64_t>(), 0u);
  EXPECT_LE(j["disk"][0]["available_bytes"].get<uint64_t>(),
            j["disk"][0]["total_bytes"].get<uint64_t>());

  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(source->Poll().records, 1u);
  EXPECT_EQ(source->Poll().records, 0u);
}

TEST_F(SystemMetricsSourceTest, CounterResetLeavesRatesOutInsteadOfGoingNegative) {
  auto source = Make();
  ASSERT_TRUE(source->Start({}).ok());
  Write(root_ + "/proc/stat", ProcStat(10, 5, 80, 5));  // rebooted counters
  Write(root_ + "/proc/net/dev", NetDev(10, 20));
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_EQ(source->Poll().records, 1u);
  json j = json::parse(sink_.records[0].data);
  EXPECT_FALSE(j["cpu"].contains("usage_pct"));
  EXPECT_FALSE(j["network"][0].contains("rx_bytes_per_s"));
  EXPECT_EQ(j["network"][0]["rx_bytes"], 10);
}

TEST_F(SystemMetricsSourceTest, MissingOrMalformedFilesLeaveTheirSectionOutAndAreCounted) {
  std::remove((root_ + "/proc/meminfo").c_str());
  Write(root_ + "/proc/loadavg", "garbage\n");
  config_.metrics.disk_paths = {"/", "/no/such/mount"};
  auto source = Make();
  ASSERT_TRUE(source->Start({}).ok());
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_EQ(source->Poll().records, 1u);
  json j = json::parse(sink_.records[0].data);
  EXPECT_FALSE(j.contains("memory"));
  EXPECT_FALSE(j.contains("load"));
  EXPECT_EQ(j["disk"].size(), 1u);
  EXPECT_TRUE(j.contains("cpu"));
  // Each sample (the baseline and this one) failed on the same three.
  EXPECT_EQ(metrics_.GetCounter("kedge_metrics_read_errors_total", "", {{"source", "system"}})
                .value(),
            6u);
}

TEST_F(SystemMetricsSourceTest, CollectsOnlyTheConfiguredKinds) {
  config_.metrics.collect = {"load", "uptime"};
  auto source = Make();
  ASSERT_TRUE(source->Start({}).ok());
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_EQ(source->Poll().records, 1u);
  json j = json::parse(sink_.records[0].data);
  EXPECT_TRUE(j.contains("load"));
  EXPECT_TRUE(j.contains("uptime_s"));
  EXPECT_FALSE(j.contains("cpu"));
  EXPECT_FALSE(j.contains("disk"));
  EXPECT_FALSE(j.contains("thermal"));
}

TEST_F(SystemMetricsSourceTest, RefusedRecordIsOfferedAgainAndPauseStopsSampling) {
  auto source = Make();
  ASSERT_TRUE(source->Start({}).ok());
  sink_.refuse = 1;
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(source->Poll().records, 0u);
  std::string samples_before = std::to_string(
      metrics_.GetCounter("kedge_metrics_samples_total", "", {{"source", "system"}}).value());
  EXPECT_EQ(source->Poll().records, 1u);  // the same record, not a new sample
  EXPECT_EQ(std::to_string(metrics_.GetCounter("kedge_metrics_samples_total", "",
                                               {{"source", "system"}}).value()),
            samples_before);
  source->Pause();
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(source->Poll().records, 0u);
  source->Resume();
  EXPECT_EQ(source->Poll().records, 1u);
}

TEST(SystemMetricsRealProcTest, SamplesThisMachine) {
  SourceConfig config;
  config.name = "system";
  config.metrics.disk_paths = {"/"};
  PosixEnv env;
  FakeClock clock;
  MetricsRegistry metrics;
  class NullSink : public RecordSink {
    Status Accept(RecordBatch) override { return Status::Ok(); }
  } sink;
  SystemMetricsSource source(config, {"host", "/"}, env, clock, sink, metrics);
  json j = json::parse(source.SampleJson());
  EXPECT_GT(j["memory"]["total_bytes"].get<uint64_t>(), 0u);
  EXPECT_FALSE(j["cpu"].contains("usage_pct"));  // no baseline yet: rates from the 2nd sample
  EXPECT_GT(j["uptime_s"].get<double>(), 0.0);
  json second = json::parse(source.SampleJson());
  EXPECT_GE(second["cpu"]["cores"].get<int>(), 1);
}

}  // namespace
}  // namespace kedge::agent
