// Cost of one system metrics sample on this machine's real /proc and /sys (Google Benchmark).
// At a 10 s interval the source's share of a core is (time per sample) / 10 s.
#include <benchmark/benchmark.h>

#include "agent/sources/metrics/system_metrics_source.h"

namespace kedge::agent {
namespace {

class NullSink : public RecordSink {
 public:
  Status Accept(RecordBatch) override { return Status::Ok(); }
};

void BM_MetricsSample(benchmark::State& state) {
  SourceConfig config;
  config.name = "system";
  config.metrics.disk_paths = {"/"};
  PosixEnv env;
  SystemClock clock;
  NullSink sink;
  MetricsRegistry metrics;
  SystemMetricsSource source(config, {"bench", "/"}, env, clock, sink, metrics);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = source.SampleJson();
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.counters["record_bytes"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_MetricsSample)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace
}  // namespace kedge::agent

BENCHMARK_MAIN();
