// Spool throughput: appends/s and lease+ack/s, synchronous=NORMAL against FULL, 100 B and 1 KiB
// records, on the real file system under $TMPDIR (or /tmp). The figures and the default chosen
// from them are in docs/spool_format.md.
//
//   spool_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Args: {record bytes, sync (0 = NORMAL, 1 = FULL)}. Appends come 100 records per call with one
// checkpoint, as a file source hands over what one read produced.

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "kpl/spool/sqlite_spool.h"
#include "platform/clock.h"
#include "platform/env.h"
#include "platform/logging.h"

namespace kedge::kpl {
namespace {

constexpr int kBatch = 100;

class BenchSpool {
 public:
  explicit BenchSpool(const benchmark::State& state) {
    Logger::Get().SetLevel(LogLevel::kWarn);
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/kedge-spool-bench-XXXXXX";
    dir_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string("/tmp");
    options_.path = dir_ + "/spool.db";
    options_.max_bytes = uint64_t{64} << 30;
    options_.synchronous = state.range(1) == 0 ? SpoolSync::kNormal : SpoolSync::kFull;
  }
  ~BenchSpool() {
    spool_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      env_.RemoveFile(options_.path + suffix).IgnoreError();
    }
    ::rmdir(dir_.c_str());
  }
  SqliteSpool* Open(benchmark::State& state) {
    auto spool = SqliteSpool::Open(options_, Clock::Real(), env_);
    if (!spool.ok()) {
      state.SkipWithError(spool.status().ToString().c_str());
      return nullptr;
    }
    spool_ = std::move(spool).value();
    return spool_.get();
  }
  void Close() { spool_.reset(); }
  void MarkCrashed() {
    sqlite3* db = nullptr;
    if (sqlite3_open(options_.path.c_str(), &db) == SQLITE_OK) {
      sqlite3_exec(db, "UPDATE meta SET value = 0 WHERE key = 'clean_shutdown'", nullptr,
                   nullptr, nullptr);
    }
    sqlite3_close(db);
  }

 private:
  std::string dir_;
  PosixEnv env_;
  SqliteSpoolOptions options_;
  std::unique_ptr<SqliteSpool> spool_;
};

std::vector<SpoolRecord> MakeBatch(size_t record_bytes, int64_t* counter) {
  std::vector<SpoolRecord> batch(kBatch);
  for (SpoolRecord& record : batch) {
    record.sink = "logs";
    record.partition_key = "host-" + std::to_string(*counter % 16);
    record.data.assign(record_bytes, 'x');
    std::string n = std::to_string((*counter)++);
    record.data.replace(0, n.size(), n);
  }
  return batch;
}

// One source step: make 100 records (not timed), append them with a checkpoint, commit if due.
bool AppendStep(benchmark::State& state, SqliteSpool* spool, size_t record_bytes,
                int64_t* counter) {
  state.PauseTiming();
  std::vector<SpoolRecord> batch = MakeBatch(record_bytes, counter);
  state.ResumeTiming();
  auto seq = spool->Append(std::move(batch), {{"app.log", std::to_string(*counter)}});
  if (!seq.ok()) {
    state.SkipWithError(seq.status().ToString().c_str());
    return false;
  }
  spool->MaybeCommit().IgnoreError();
  return true;
}

// One sender step: lease up to 100 records and ack them. Returns how many it got.
size_t LeaseAckStep(benchmark::State& state, SqliteSpool* spool) {
  auto batch = spool->Lease("logs", kBatch, 5 << 20);
  if (!batch.ok()) {
    state.SkipWithError(batch.status().ToString().c_str());
    return 0;
  }
  std::vector<int64_t> ids;
  ids.reserve(batch->size());
  for (const auto& r : *batch) ids.push_back(r.id);
  spool->Ack(ids).IgnoreError();
  spool->MaybeCommit().IgnoreError();
  return batch->size();
}

void BM_Append(benchmark::State& state) {
  BenchSpool bench(state);
  SqliteSpool* spool = bench.Open(state);
  if (spool == nullptr) return;
  int64_t counter = 0;
  for (auto _ : state) {
    if (!AppendStep(state, spool, static_cast<size_t>(state.range(0)), &counter)) break;
  }
  if (!spool->Commit().ok()) state.SkipWithError("final commit failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * state.range(0));
}

void BM_LeaseAck(benchmark::State& state) {
  BenchSpool bench(state);
  SqliteSpool* spool = bench.Open(state);
  if (spool == nullptr) return;
  int64_t counter = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(state.max_iterations); ++i) {
    if (!spool->Append(MakeBatch(static_cast<size_t>(state.range(0)), &counter)).ok()) {
      state.SkipWithError("prefill failed");
      return;
    }
  }
  if (!spool->Commit().ok()) state.SkipWithError("prefill commit failed");
  for (auto _ : state) {
    if (LeaseAckStep(state, spool) != kBatch) {
      state.SkipWithError("lease came back short");
      break;
    }
  }
  if (!spool->Commit().ok()) state.SkipWithError("final commit failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// Steady state: a source appends while a sender leases and acks the same amount.
void BM_AppendLeaseAck(benchmark::State& state) {
  BenchSpool bench(state);
  SqliteSpool* spool = bench.Open(state);
  if (spool == nullptr) return;
  int64_t counter = 0;
  for (auto _ : state) {
    if (!AppendStep(state, spool, static_cast<size_t>(state.range(0)), &counter)) break;
    LeaseAckStep(state, spool);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// A restart with a backlog of range(0) 100-byte records. After a clean close (range(2) = 0)
// Open() reads the counts from the sinks table; after a crash (range(2) = 1, simulated by
// clearing clean_shutdown) it rescans the records table.
void BM_OpenWithBacklog(benchmark::State& state) {
  BenchSpool bench(state);
  SqliteSpool* spool = bench.Open(state);
  if (spool == nullptr) return;
  int64_t counter = 0;
  while (counter < state.range(0)) {
    if (!spool->Append(MakeBatch(100, &counter)).ok()) {
      state.SkipWithError("prefill failed");
      return;
    }
  }
  bench.Close();
  for (auto _ : state) {
    if (state.range(2) == 1) {
      state.PauseTiming();
      bench.MarkCrashed();
      state.ResumeTiming();
    }
    spool = bench.Open(state);
    if (spool == nullptr || spool->stats().records != static_cast<uint64_t>(counter)) {
      state.SkipWithError("reopened spool lost records");
      break;
    }
    bench.Close();
  }
  state.SetItemsProcessed(state.iterations() * counter);
}

// Record counts are fixed so the file stays a few hundred MB at most.
BENCHMARK(BM_Append)
    ->ArgsProduct({{100, 1024}, {0, 1}})
    ->Iterations(5000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_LeaseAck)
    ->ArgsProduct({{100, 1024}, {0, 1}})
    ->Iterations(3000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_AppendLeaseAck)
    ->ArgsProduct({{100, 1024}, {0, 1}})
    ->Iterations(3000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_OpenWithBacklog)
    ->ArgsProduct({{1000000}, {0}, {0, 1}})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace kedge::kpl

BENCHMARK_MAIN();
