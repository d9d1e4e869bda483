#include "tests/kpl/fake_kinesis_api.h"

#include <cstdio>

namespace kedge::kpl::testing {
namespace {

// key / n * i for the range boundaries, on two 64-bit halves: the top half alone decides the
// split, which is even enough for tests.
HashKey Boundary(int i, int n) {
  if (i == n) return HashKey::Max();
  uint64_t step = ~uint64_t{0} / static_cast<uint64_t>(n);
  return HashKey{step * static_cast<uint64_t>(i), 0};
}

HashKey Minus1(HashKey k) {
  if (k.lo == 0) return HashKey{k.hi - 1, ~uint64_t{0}};
  return HashKey{k.hi, k.lo - 1};
}

// a + (b - a) / 2 on the two halves.
HashKey Middle(HashKey a, HashKey b) {
  HashKey d{b.hi - a.hi - (b.lo < a.lo ? 1 : 0), b.lo - a.lo};
  d = HashKey{d.hi >> 1, (d.hi << 63) | (d.lo >> 1)};
  HashKey r{a.hi + d.hi, a.lo + d.lo};
  if (r.lo < a.lo) ++r.hi;
  return r;
}

HashKey Parse(const std::string& s) { return HashKey::FromDecimal(s).value(); }

}  // namespace

std::string ShardName(int number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "shardId-%012d", number);
  return buf;
}

std::vector<Shard> EvenShards(int n, int first_number) {
  std::vector<Shard> out;
  for (int i = 0; i < n; ++i) {
    Shard s;
    s.shard_id = ShardName(first_number + i);
    s.starting_hash_key = Boundary(i, n).ToDecimal();
    s.ending_hash_key = (i + 1 == n ? HashKey::Max() : Minus1(Boundary(i + 1, n))).ToDecimal();
    out.push_back(s);
  }
  return out;
}

FakeKinesisApi::FakeKinesisApi(int shards)
    : shards_(EvenShards(shards)), next_shard_number_(shards) {}

std::string FakeKinesisApi::ShardFor(HashKey key) const {
  for (const Shard& s : shards_) {
    if (s.open && Parse(s.starting_hash_key) <= key && key <= Parse(s.ending_hash_key)) {
      return s.shard_id;
    }
  }
  return "";
}

bool FakeKinesisApi::Covers(const std::string& shard_id, HashKey key) const {
  for (const Shard& s : shards_) {
    if (s.shard_id == shard_id) {
      return Parse(s.starting_hash_key) <= key && key <= Parse(s.ending_hash_key);
    }
  }
  return false;
}

PutRecordsResult FakeKinesisApi::Apply(const std::vector<PutRecordsEntry>& entries) {
  PutRecordsResult result;
  for (const PutRecordsEntry& e : entries) {
    PutRecordsResultEntry r;
    HashKey key = e.explicit_hash_key.empty() ? HashKey::FromPartitionKey(e.partition_key)
                                              : Parse(e.explicit_hash_key);
    std::string shard = ShardFor(key);
    std::string scripted;
    if (!record_errors.empty()) {
      scripted = record_errors.front();
      record_errors.pop_front();
    }
    for (const std::string& t : throttled_shards) {
      if (t == shard) scripted = "ProvisionedThroughputExceededException";
    }
    if (!scripted.empty()) {
      r.error_code = scripted;
      r.error_message = scripted == "InternalFailure" ? "Internal Service Failure"
                                                      : "Rate exceeded for shard " + shard;
      ++result.failed_record_count;
    } else {
      r.shard_id = shard;
      r.sequence_number = std::to_string(next_sequence_++);
      stored_.push_back(
          StoredRecord{shard, r.sequence_number, e.partition_key, e.explicit_hash_key, e.data});
    }
    result.records.push_back(std::move(r));
  }
  return result;
}

void FakeKinesisApi::PutRecords(const std::string&, const std::vector<PutRecordsEntry>& entries,
                                Callback<PutRecordsResult> done) {
  put_calls_.push_back(entries);
  auto answer = [this, entries, done]() {
    if (!put_failures.empty()) {
      Status s = put_failures.front();
      put_failures.pop_front();
      done(s);
      return;
    }
    done(Apply(entries));
  };
  if (hold_puts) {
    held_puts_.push_back(answer);
  } else {
    answer();
  }
}

void FakeKinesisApi::ReleasePuts(size_t n) {
  while (n-- > 0 && !held_puts_.empty()) {
    auto answer = std::move(held_puts_.front());
    held_puts_.pop_front();
    answer();
  }
}

void FakeKinesisApi::ListShards(const std::string&, Callback<std::vector<Shard>> done) {
  ++list_calls_;
  auto answer = [this, done]() {
    if (!list_failures.empty()) {
      Status s = list_failures.front();
      list_failures.pop_front();
      done(s);
      return;
    }
    done(shards_);
  };
  if (hold_lists) {
    held_lists_.push_back(answer);
  } else {
    answer();
  }
}

void FakeKinesisApi::ReleaseLists() {
  while (!held_lists_.empty()) {
    auto answer = std::move(held_lists_.front());
    held_lists_.pop_front();
    answer();
  }
}

void FakeKinesisApi::Split(const std::string& shard_id) {
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (shards_[i].shard_id != shard_id || !shards_[i].open) continue;
    shards_[i].open = false;
    HashKey start = Parse(shards_[i].starting_hash_key);
    HashKey end = Parse(shards_[i].ending_hash_key);
    HashKey mid = Middle(start, end);
    Shard a, b;
    a.shard_id = ShardName(next_shard_number_++);
    a.starting_hash_key = start.ToDecimal();
    a.ending_hash_key = mid.ToDecimal();
    b.shard_id = ShardName(next_shard_number_++);
    b.starting_hash_key = HashKey{mid.hi, mid.lo + 1}.ToDecimal();
    if (mid.lo == ~uint64_t{0}) b.starting_hash_key = HashKey{mid.hi + 1, 0}.ToDecimal();
    b.ending_hash_key = end.ToDecimal();
    a.parent_shard_id = b.parent_shard_id = shard_id;
    shards_.push_back(a);
    shards_.push_back(b);
    return;
  }
}

void FakeKinesisApi::DescribeStreamSummary(const std::string&, Callback<StreamSummary> done) {
  done(UnimplementedError("FakeKinesisApi: DescribeStreamSummary"));
}
void FakeKinesisApi::CreateStream(const std::string&, int, Callback<bool> done) {
  done(UnimplementedError("FakeKinesisApi: CreateStream"));
}
void FakeKinesisApi::GetShardIterator(const std::string&, const std::string&, const std::string&,
                                      const std::string&, Callback<std::string> done) {
  done(UnimplementedError("FakeKinesisApi: GetShardIterator"));
}
void FakeKinesisApi::GetRecords(const std::string&, int, Callback<GetRecordsResult> done) {
  done(UnimplementedError("FakeKinesisApi: GetRecords"));
}

}  // namespace kedge::kpl::testing
