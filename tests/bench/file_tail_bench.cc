// How fast the file side of the agent is, without the spool: a file of 100-byte lines read by
// FileTailSource into a sink that only counts (the issue asks for >= 200,000 lines/s from file to
// spool on one core, so this stage must be well above that), line assembly alone, and the
// processors. Run from a Release or RelWithDebInfo build:
//   build/tests/bench/agent/file_tail_bench --benchmark_repetitions=3

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "agent/processors/processor.h"
#include "agent/sources/file/file_tail_source.h"
#include "agent/sources/line_assembler.h"
#include "tests/support/test_util.h"

namespace kedge::agent {
namespace {

class CountingSink : public RecordSink {
 public:
  Status Accept(RecordBatch batch) override {
    records += batch.records.size();
    return Status::Ok();
  }
  uint64_t records = 0;
};

std::string Lines(int count) {
  std::string line = "2026-01-01T00:00:00.000Z INFO sensor=pi-17 temp=21.5 hum=40 msg=\"all good here\" pad=";
  line.resize(99, 'x');
  std::string text;
  text.reserve(static_cast<size_t>(count) * 100);
  for (int i = 0; i < count; ++i) text += line + "\n";
  return text;
}

void BM_FileTailToNullSink(benchmark::State& state) {
  const int kLines = static_cast<int>(state.range(0));
  std::string dir = testing::MakeTempDir("kedge-bench");
  std::ofstream(dir + "/app.log") << Lines(kLines);
  for (auto _ : state) {
    SourceConfig config;
    config.name = "bench";
    config.path = dir + "/app.log";
    FakeClock clock;
    MetricsRegistry metrics;
    CountingSink sink;
    FileTailSource source(config, FileSystem::Default(), clock, sink, metrics);
    (void)source.Start({});
    while (source.Poll().more) {
    }
    if (sink.records != static_cast<uint64_t>(kLines)) state.SkipWithError("lost lines");
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() * kLines * 100);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_FileTailToNullSink)->Arg(200000)->Unit(benchmark::kMillisecond);

void BM_LineAssembler(benchmark::State& state) {
  std::string text = Lines(10000);
  LineAssembler::Options options;
  options.multiline_start_pattern = state.range(0) ? "^\\d{4}-" : "";
  for (auto _ : state) {
    LineAssembler assembler(options);
    std::vector<LineAssembler::Record> out;
    out.reserve(10000);
    assembler.Feed(text, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_LineAssembler)->Arg(0)->Arg(1);

void BM_Processor(benchmark::State& state) {
  FakeClock clock;
  ProcessorContext context{clock, "pi-17", "gateway"};
  ProcessorConfig config;
  std::string line;
  switch (state.range(0)) {
    case 0:
      config.type = ProcessorType::kCsvToJson;
      config.fields = {"ts", "sensor", "temp", "hum"};
      line = "2026-01-01T00:00:00Z,pi-17,21.5,40";
      break;
    case 1:
      config.type = ProcessorType::kLogToJson;
      config.log_format = LogFormat::kApacheCombined;
      line = "10.0.0.7 - - [10/Oct/2026:13:55:36 +0000] \"GET /api/v1/readings?x=1 HTTP/1.1\" 200 "
             "2326 \"-\" \"curl/8.0\"";
      break;
    case 2:
      config.type = ProcessorType::kLogToJson;
      config.log_format = LogFormat::kSyslogRfc3164;
      line = "<34>Oct 11 22:14:15 gateway sensord[230]: temperature 21.5 C";
      break;
    default:
      config.type = ProcessorType::kAddMetadata;
      line = "plain text line from the application";
      break;
  }
  std::unique_ptr<Processor> processor = std::move(MakeProcessor(config, context).value());
  for (auto _ : state) {
    SourceRecord record{line, 1767225600000, "/var/log/x"};
    benchmark::DoNotOptimize(processor->Process(&record));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "csv_to_json" : state.range(0) == 1 ? "apache_combined"
                 : state.range(0) == 2 ? "syslog" : "add_metadata");
}
BENCHMARK(BM_Processor)->DenseRange(0, 3);

}  // namespace
}  // namespace kedge::agent

BENCHMARK_MAIN();
