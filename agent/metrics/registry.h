#pragma once
// MetricsRegistry: the agent's counters, gauges and histograms, exposed in the Prometheus text
// format on /metrics and as JSON on /status. A metric is created once (Get* under a mutex) and
// then updated lock-free from any thread through the returned reference, which stays valid for
// the registry's lifetime. Names follow Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*) and carry
// the "kedge_" prefix by convention; label values are escaped on output.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kedge::agent {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double value);
  void Add(double delta);
  double value() const;

 private:
  std::atomic<uint64_t> bits_{0};  // the double's bit pattern (0 is 0.0)
};

// Cumulative buckets with fixed upper bounds, as Prometheus expects.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Count of observations <= upper_bounds()[i] (cumulative); the last entry is +Inf.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf bucket)
  std::atomic<uint64_t> count_{0};
  Gauge sum_;
};

enum class MetricType { kCounter, kGauge, kHistogram };

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The metric with this name and labels, created on first use. Asking for an existing name
  // with another type is a bug: it is logged and a detached metric is returned.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const Labels& labels,
                          const std::vector<double>& upper_bounds);

  // The Prometheus text exposition format (version 0.0.4).
  std::string RenderPrometheus() const;

  // One value per series (histograms give their count and sum), for /status.
  struct Sample {
    std::string name;
    Labels labels;
    double value;
  };
  std::vector<Sample> Snapshot() const;

 private:
  struct Series;
  struct Family;
  Series* GetSeries(std::string_view name, std::string_view help, MetricType type,
                    const Labels& labels, const std::vector<double>* bounds);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;  // guarded by mu_
  std::vector<std::unique_ptr<Series>> detached_;                         // guarded by mu_
};

bool IsValidMetricName(std::string_view name);

}  // namespace kedge::agent
