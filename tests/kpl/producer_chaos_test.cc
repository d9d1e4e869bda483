// Randomised runs of the producer against a misbehaving fake stream: whatever happens, every
// accepted record ends in exactly one callback, every success is in the stream on a shard that
// covers it, and nothing stays outstanding.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "kpl/aggregated_record.h"
#include "kpl/producer.h"
#include "tests/kpl/fake_kinesis_api.h"

namespace kedge::kpl {
namespace {

using testing::FakeKinesisApi;

void RunChaos(uint32_t seed) {
  std::mt19937 rng(seed);
  FakeClock clock;
  FakeKinesisApi api(1 + static_cast<int>(rng() % 6));
  api.hold_puts = true;
  ProducerConfig c;
  c.stream = "chaos";
  c.record_ttl = Millis(rng() % 2 ? 0 : 20000);
  c.aggregation_max_size = 200 + rng() % 5000;
  c.collection_max_count = 1 + rng() % 500;
  c.max_in_flight_bytes_per_shard = 1000 + rng() % 100000;
  c.random = [&rng] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  auto producer = Producer::Create(api, clock, c).value();

  std::map<int, int> calls;
  std::map<int, PutOutcome> last;
  int accepted = 0;
  for (int step = 0; step < 3000; ++step) {
    int action = static_cast<int>(rng() % 100);
    if (action < 50) {
      int id = step;
      UserRecord r{"key-" + std::to_string(rng() % 40), "", "payload-" + std::to_string(id)};
      if (rng() % 10 == 0) r.explicit_hash_key = HashKey{rng(), rng()}.ToDecimal();
      if (producer->Put(std::move(r), [&calls, &last, id](const PutOutcome& o) {
            ++calls[id];
            last[id] = o;
          }).ok()) {
        ++accepted;
      }
    } else if (action < 70) {
      api.ReleasePuts(1 + rng() % 3);
    } else if (action < 75) {
      api.record_errors.push_back(rng() % 2 ? "ProvisionedThroughputExceededException"
                                            : "InternalFailure");
    } else if (action < 78) {
      api.put_failures.push_back(rng() % 2 ? UnavailableError("connection reset")
                                           : ResourceExhaustedError("ThrottlingException: slow"));
    } else if (action < 79 && api.shards().size() < 40) {
      const auto& shards = api.shards();
      const Shard& s = shards[rng() % shards.size()];
      if (s.open) api.Split(s.shard_id);
    } else {
      clock.Advance(Millis(rng() % 200));
      producer->Poll();
    }
  }
  // Let everything finish: answer all, keep time moving.
  api.record_errors.clear();
  api.put_failures.clear();
  for (int i = 0; i < 100000 && producer->outstanding_records() > 0; ++i) {
    api.ReleasePuts();
    auto next = producer->NextWakeup();
    if (next && *next > clock.Now()) clock.Advance(*next - clock.Now());
    producer->Poll();
  }
  ASSERT_EQ(producer->outstanding_records(), 0u) << "seed " << seed;
  ASSERT_EQ(static_cast<int>(calls.size()), accepted) << "seed " << seed;
  for (const auto& [id, n] : calls) ASSERT_EQ(n, 1) << "record " << id << " seed " << seed;

  // Successes are in the stream, in aggregates a KCL consumer keeps.
  std::set<std::string> kept;
  for (const auto& s : api.stored()) {
    auto users = Deaggregate(s.data, s.partition_key, s.explicit_hash_key);
    bool inside = true;
    for (const auto& u : users) {
      HashKey k = u.explicit_hash_key.empty() ? HashKey::FromPartitionKey(u.partition_key)
                                              : HashKey::FromDecimal(u.explicit_hash_key).value();
      inside &= api.Covers(s.shard_id, k);
    }
    if (inside || users.size() == 1) {
      for (const auto& u : users) kept.insert(u.data);
    }
  }
  int successes = 0;
  for (const auto& [id, o] : last) {
    if (o.status.ok()) {
      ++successes;
      EXPECT_TRUE(kept.count("payload-" + std::to_string(id))) << "record " << id << " seed " << seed;
    }
  }
  EXPECT_GT(successes, accepted / 2) << "seed " << seed;
  EXPECT_GT(producer->metrics().retries, 0u) << "seed " << seed;
}

TEST(ProducerChaosTest, EveryRecordEndsOnceWhateverTheStreamDoes) {
  for (uint32_t seed = 1; seed <= 12; ++seed) RunChaos(seed);
}

}  // namespace
}  // namespace kedge::kpl
