// User records per second through the record path on one core: partition key hashing,
// shard prediction, per-shard aggregation and KPL encoding (with its MD5 trailer), for 100-byte
// records with 1,000 distinct partition keys over 16 shards. Variants: with and without the
// partition-key hash cache, the encoder alone, and the whole Producer against a KinesisApi
// that answers at once (no HTTP).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "kpl/aggregator.h"
#include "kpl/producer.h"
#include "kpl/shard_map.h"

namespace kedge::kpl {
namespace {

constexpr int kKeys = 1000;
constexpr int kShards = 16;
constexpr size_t kDataSize = 100;

constexpr uint64_t kStep = ~uint64_t{0} / kShards;

std::string ShardName(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "shardId-%012llu", static_cast<unsigned long long>(i));
  return buf;
}

std::vector<Shard> SixteenShards() {
  std::vector<Shard> shards;
  uint64_t step = kStep;
  for (int i = 0; i < kShards; ++i) {
    Shard s;
    s.shard_id = ShardName(static_cast<uint64_t>(i));
    s.starting_hash_key = HashKey{step * static_cast<uint64_t>(i), 0}.ToDecimal();
    HashKey end = i + 1 == kShards ? HashKey::Max()
                                   : HashKey{step * static_cast<uint64_t>(i + 1) - 1, ~uint64_t{0}};
    s.ending_hash_key = end.ToDecimal();
    shards.push_back(s);
  }
  return shards;
}

std::vector<std::string> Keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back("device-" + std::to_string(i));
  return keys;
}

// Answers every call at once with success on the shard the entry hashes to, as the service
// would; enough for the producer to run.
class InstantKinesisApi : public KinesisApi {
 public:
  void PutRecords(const std::string&, const std::vector<PutRecordsEntry>& entries,
                  Callback<PutRecordsResult> done) override {
    PutRecordsResult r;
    for (const auto& e : entries) {
      HashKey k = e.explicit_hash_key.empty() ? HashKey::FromPartitionKey(e.partition_key)
                                              : HashKey::FromDecimal(e.explicit_hash_key).value();
      uint64_t shard = std::min<uint64_t>(kShards - 1, k.hi / kStep);
      r.records.push_back(PutRecordsResultEntry{ShardName(shard), "1", "", ""});
      bytes += e.data.size() + e.partition_key.size();
    }
    done(std::move(r));
  }
  void ListShards(const std::string&, Callback<std::vector<Shard>> done) override {
    done(SixteenShards());
  }
  void DescribeStreamSummary(const std::string&, Callback<StreamSummary> d) override {
    d(UnimplementedError("bench"));
  }
  void CreateStream(const std::string&, int, Callback<bool> d) override {
    d(UnimplementedError("bench"));
  }
  void GetShardIterator(const std::string&, const std::string&, const std::string&,
                        const std::string&, Callback<std::string> d) override {
    d(UnimplementedError("bench"));
  }
  void GetRecords(const std::string&, int, Callback<GetRecordsResult> d) override {
    d(UnimplementedError("bench"));
  }
  size_t bytes = 0;
};

// Hash (cached or not) + predict + aggregate + encode, as Producer::Put does it.
void AggregateAndEncode(benchmark::State& state, size_t cache_size) {
  FakeClock clock;
  InstantKinesisApi api;
  ShardMap map(api, clock, "bench", {});
  map.Update(SixteenShards());
  PartitionKeyHasher hasher(cache_size);
  size_t out_bytes = 0, out_records = 0;
  Aggregator aggregator({}, [&](KinesisRecordPtr r) {
    out_bytes += r->WireSize();
    ++out_records;
  });
  std::vector<std::string> keys = Keys();
  std::string data(kDataSize, 'x');
  size_t i = 0;
  for (auto _ : state) {
    auto p = std::make_unique<PendingRecord>();
    p->record.partition_key = keys[i++ % kKeys];
    p->record.data = data;
    p->hash_key = hasher.Hash(p->record.partition_key);
    p->predicted = map.Predict(p->hash_key);
    aggregator.Add(std::move(p));
  }
  aggregator.FlushAll();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["wire_bytes_per_record"] =
      static_cast<double>(out_bytes) / static_cast<double>(state.iterations());
  state.counters["user_records_per_kinesis_record"] =
      static_cast<double>(state.iterations()) / static_cast<double>(out_records);
}

void BM_AggregateEncode_CachedMd5(benchmark::State& state) { AggregateAndEncode(state, 4096); }
void BM_AggregateEncode_NoMd5Cache(benchmark::State& state) { AggregateAndEncode(state, 0); }
BENCHMARK(BM_AggregateEncode_CachedMd5);
BENCHMARK(BM_AggregateEncode_NoMd5Cache);

// The encoder alone: one shard's worth of records into 50 KiB aggregates.
void BM_EncoderOnly(benchmark::State& state) {
  std::vector<std::string> keys = Keys();
  std::string data(kDataSize, 'x');
  AggregatedRecordBuilder b;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& pk = keys[i++ % kKeys];
    if (b.SizeWith(pk, "", data.size()) > 51200) {
      benchmark::DoNotOptimize(b.Serialize());
      b.Clear();
    }
    b.Add(pk, "", data);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_EncoderOnly);

// Put -> ... -> PutRecords -> callback, in process. The rate limit is lifted: this measures
// CPU, not the shards' allowance.
void BM_ProducerEndToEnd(benchmark::State& state) {
  InstantKinesisApi api;
  ProducerConfig c;
  c.stream = "bench";
  c.rate_limit_percent = 0;  // no shard limits: measure the CPU
  c.random = [] { return 0.5; };
  auto producer = Producer::Create(api, Clock::Real(), c).value();
  std::vector<std::string> keys = Keys();
  std::string data(kDataSize, 'x');
  size_t i = 0, done = 0;
  for (auto _ : state) {
    Status s = producer->Put(UserRecord{keys[i++ % kKeys], "", data},
                             [&done](const PutOutcome&) { ++done; });
    if (!s.ok()) {
      producer->Flush();
      s = producer->Put(UserRecord{keys[i++ % kKeys], "", data},
                        [&done](const PutOutcome&) { ++done; });
    }
    if ((i & 1023) == 0) producer->Poll();
  }
  producer->Flush();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["completed"] = static_cast<double>(done);
}
BENCHMARK(BM_ProducerEndToEnd);

}  // namespace
}  // namespace kedge::kpl
