#include "agent/metrics/registry.h"

#include <gtest/gtest.h>

#include <thread>

namespace kedge::agent {
namespace {

TEST(MetricsRegistryTest, RendersCountersAndGaugesInPrometheusFormat) {
  MetricsRegistry m;
  m.GetCounter("kedge_records_read_total", "Records read", {{"source", "app"}}).Increment(3);
  m.GetCounter("kedge_records_read_total", "Records read", {{"source", "app"}}).Increment();
  m.GetGauge("kedge_spool_bytes", "Bytes in the spool").Set(1.5e6);
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("# HELP kedge_records_read_total Records read\n"
                      "# TYPE kedge_records_read_total counter\n"
                      "kedge_records_read_total{source=\"app\"} 4\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE kedge_spool_bytes gauge\nkedge_spool_bytes 1500000\n"),
            std::string::npos) << text;
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndSortsLabels) {
  MetricsRegistry m;
  m.GetCounter("kedge_x_total", "x", {{"z", "a\"b\\c\nd"}, {"a", "1"}}).Increment();
  EXPECT_NE(m.RenderPrometheus().find("kedge_x_total{a=\"1\",z=\"a\\\"b\\\\c\\nd\"} 1"),
            std::string::npos) << m.RenderPrometheus();
}

TEST(MetricsRegistryTest, HistogramHasCumulativeBucketsSumAndCount) {
  MetricsRegistry m;
  Histogram& h = m.GetHistogram("kedge_request_seconds", "latency", {{"sink", "logs"}},
                                {0.01, 0.1, 1});
  h.Observe(0.005);
  h.Observe(0.05);
  h.Observe(5);
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("kedge_request_seconds_bucket{sink=\"logs\",le=\"0.01\"} 1\n"
                      "kedge_request_seconds_bucket{sink=\"logs\",le=\"0.1\"} 2\n"
                      "kedge_request_seconds_bucket{sink=\"logs\",le=\"1\"} 2\n"
                      "kedge_request_seconds_bucket{sink=\"logs\",le=\"+Inf\"} 3\n"
                      "kedge_request_seconds_sum{sink=\"logs\"} 5.055\n"
                      "kedge_request_seconds_count{sink=\"logs\"} 3\n"),
            std::string::npos) << text;
}

TEST(MetricsRegistryTest, RedefiningANameWithAnotherTypeGivesADetachedMetric) {
  MetricsRegistry m;
  m.GetCounter("kedge_thing", "c").Increment();
  m.GetGauge("kedge_thing", "g").Set(7);
  EXPECT_EQ(m.RenderPrometheus().find("kedge_thing 7"), std::string::npos);
  EXPECT_NE(m.RenderPrometheus().find("kedge_thing 1"), std::string::npos);
  EXPECT_FALSE(IsValidMetricName("1bad"));
  EXPECT_FALSE(IsValidMetricName("bad-name"));
}

TEST(MetricsRegistryTest, CountersAreSafeToUpdateFromManyThreads) {
  MetricsRegistry m;
  Counter& c = m.GetCounter("kedge_n_total", "n");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Increment();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
}

}  // namespace
}  // namespace kedge::agent
