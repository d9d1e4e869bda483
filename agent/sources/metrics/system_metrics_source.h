#pragma once
// SystemMetricsSource: the `metrics` source. Every `interval` it samples the machine — CPU use
// (from /proc/stat deltas), memory (/proc/meminfo), file systems (statvfs of disk_paths),
// network interfaces (/proc/net/dev deltas, loopback left out), temperatures
// (/sys/class/thermal/thermal_zone*/{type,temp}, as on a Raspberry Pi or a Jetson), load and
// uptime — and hands one JSON record carrying the device id to the sink (docs/metrics_source.md).
//
// Every path is read under an injectable root ("/" in the agent; a fake tree in a temp dir in
// tests). A file that is missing or malformed leaves its section out of the record and is
// counted (kedge_metrics_read_errors_total); the source never fails at run time. The first
// record comes one interval after Start, because rates need two samples. The cost is a handful
// of small reads per sample (see docs/metrics_source.md for the measured figure).
//
// Driven by Poll() on the input thread with the injected Clock; not thread-safe. env, clock,
// sink and metrics must outlive the source.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/registry.h"
#include "agent/sources/metrics/proc_parsers.h"
#include "agent/sources/source.h"
#include "platform/clock.h"
#include "platform/env.h"

namespace kedge::agent {

struct SystemMetricsOptions {
  std::string device_id;
  std::string root = "/";  // where /proc and /sys are found
};

class SystemMetricsSource final : public Source {
 public:
  SystemMetricsSource(const SourceConfig& config, SystemMetricsOptions options, Env& env,
                      Clock& clock, RecordSink& sink, MetricsRegistry& metrics);
  ~SystemMetricsSource() override;

  const std::string& Name() const override { return config_.name; }
  // Takes the baseline sample. Never fails (there is no checkpoint to restore).
  Status Start(const std::vector<Checkpoint>& saved) override;
  // Samples and hands over one record when the interval has passed; a record the sink refused
  // is offered again first.
  PollResult Poll() override;

  // One sample as the JSON text of a record, updating the delta baselines. Public for the
  // benchmark and tests.
  std::string SampleJson();
  // When the next sample is due.
  SteadyTime next_sample() const { return next_sample_; }

 private:
  struct Baseline {
    std::optional<CpuTimes> cpu;
    std::map<std::string, NetCounters> net;
    SteadyTime at{};
    bool taken = false;
  };
  struct Counters;

  bool Wants(const std::string& kind) const;
  std::string Path(const std::string& absolute) const;
  std::optional<std::string> Read(const std::string& absolute);

  SourceConfig config_;
  SystemMetricsOptions options_;
  Env& env_;
  Clock& clock_;
  RecordSink& sink_;
  std::unique_ptr<Counters> counters_;
  bool started_ = false;
  SteadyTime next_sample_{};
  Baseline baseline_;
  std::optional<RecordBatch> pending_;
};

}  // namespace kedge::agent
