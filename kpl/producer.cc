#include "kpl/producer.h"

#include <algorithm>
#include <random>

#include "kpl/backoff.h"
#include "platform/logging.h"

namespace kedge::kpl {
namespace {

constexpr size_t kMaxPartitionKeyChars = 256;
// What one accepted record costs besides its key and data (bookkeeping and allocator
// overhead), so that max_outstanding_bytes bounds memory and not just payload.
constexpr size_t kRecordOverhead = sizeof(PendingRecord) + 48;

size_t Footprint(const UserRecord& r) {
  return r.partition_key.size() + r.data.size() + kRecordOverhead;
}

// The length of valid UTF-8 in UTF-16 code units (what Java's String.length() and, to be safe,
// the service's 256-character limit count: a character outside the BMP counts twice); -1 when
// it is not valid UTF-8.
int64_t Utf16Length(const std::string& s) {
  int64_t chars = 0;
  for (size_t i = 0; i < s.size(); ++chars) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return -1;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return -1;
    }
    i += n;
    if (n == 4) ++chars;  // a surrogate pair
  }
  return chars;
}

RandomSource DefaultRandom() {
  // Shared by copies of the RandomSource; owned by the closure.
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine]() { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}


}  // namespace

Status ProducerConfig::Validate() const {
  auto bad = [](const std::string& key, const std::string& want) {
    return InvalidArgumentError("producer config: " + key + " must be " + want);
  };
  if (stream.empty()) return bad("stream", "set to the Kinesis data stream's name");
  if (aggregation_max_count < 1) return bad("aggregation_max_count", "at least 1");
  if (aggregation_max_size < 64 || aggregation_max_size > 10485760) {
    return bad("aggregation_max_size", "from 64 to 10485760 bytes");
  }
  if (max_record_size < 1024 || max_record_size > 10485760) {
    return bad("max_record_size", "from 1024 to 10485760 bytes (the stream's limit)");
  }
  if (collection_max_count < 1 || collection_max_count > 500) {
    return bad("collection_max_count", "from 1 to 500");
  }
  if (collection_max_size < 52224) return bad("collection_max_size", "at least 52224 bytes");
  if (record_max_buffered_time.count() < 0) return bad("record_max_buffered_time", ">= 0");
  if (record_ttl.count() != 0 && record_ttl.count() < 100) {
    return bad("record_ttl", "0 (unlimited) or at least 100 ms");
  }
  if (!(rate_limit_percent == 0 || rate_limit_percent >= 1)) {
    return bad("rate_limit_percent", "0 (no limit) or at least 1");
  }
  if (max_in_flight_bytes_per_shard < 1) return bad("max_in_flight_bytes_per_shard", ">= 1");
  if (max_requests_in_flight < 1) return bad("max_requests_in_flight", ">= 1");
  if (retry_initial_backoff.count() < 1 || retry_max_backoff < retry_initial_backoff) {
    return bad("retry_initial_backoff/retry_max_backoff", ">= 1 ms, initial <= max");
  }
  if (shard_map_refresh_interval.count() < 0) return bad("shard_map_refresh_interval", ">= 0");
  if (max_outstanding_bytes < max_record_size) {
    return bad("max_outstanding_bytes", "at least max_record_size");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Producer>> Producer::Create(KinesisApi& api, Clock& clock,
                                                     ProducerConfig config) {
  KEDGE_RETURN_IF_ERROR(config.Validate());
  return std::make_unique<Producer>(api, clock, std::move(config));
}

Producer::Producer(KinesisApi& api, Clock& clock, ProducerConfig config)
    : api_(api),
      clock_(clock),
      config_(std::move(config)),
      shard_map_(api, clock, config_.stream,
                 ShardMap::Options{config_.shard_map_refresh_interval, Millis(1000),
                                   Millis(30000)}),
      hasher_(config_.hash_key_cache_size),
      retrier_(Retrier::Options{config_.retry_initial_backoff, config_.retry_max_backoff,
                                config_.fail_if_throttled},
               clock, shard_map_, config_.random ? config_.random : DefaultRandom(), metrics_,
               Retrier::Hooks{[this](ShardHandle s) { limiter_.OnThrottled(s, clock_.Now()); },
                              config_.refresh_credentials}),
      collector_(Collector::Options{config_.collection_max_count, config_.collection_max_size,
                                    std::min(Millis(50), config_.record_max_buffered_time / 5),
                                    config_.max_in_flight_bytes_per_shard},
                 [this](PutBatchPtr batch) { Send(std::move(batch)); }),
      limiter_(Limiter::Options{1000 * config_.rate_limit_percent / 100,
                                1048576 * config_.rate_limit_percent / 100,
                                config_.max_record_size, 0.1, 0.1},
               [this](KinesisRecordPtr r) { collector_.Add(std::move(r), clock_.Now()); },
               [this](KinesisRecordPtr r) {
                 metrics_.user_records_expired += r->items.size();
                 retrier_.FailAll(std::move(r),
                                  DeadlineExceededError("record expired (record_ttl) while "
                                                        "waiting for the shard's rate limit"));
               }),
      aggregator_(Aggregator::Options{config_.aggregation_enabled, config_.aggregation_max_count,
                                      config_.aggregation_max_size, config_.max_record_size},
                  [this](KinesisRecordPtr r) { limiter_.Add(std::move(r), clock_.Now()); }) {}

Producer::~Producer() {
  *alive_ = false;
  draining_ = true;  // callbacks below that Put are refused
  CancelAll(CancelledError("producer destroyed before the record was sent"));
  for (auto& [id, batch] : in_flight_) {
    for (auto& r : batch->records) {
      retrier_.FailAll(std::move(r), CancelledError("producer destroyed while the record "
                                                    "was in flight; it may have arrived"));
    }
  }
  in_flight_.clear();
  for (auto& [record, outcome] : retrier_.TakeCompletions()) {
    if (record->callback) record->callback(outcome);
  }
}

Status Producer::Validate(const UserRecord& r, HashKey* hash_key) {
  int64_t chars = Utf16Length(r.partition_key);
  if (r.partition_key.empty()) return InvalidArgumentError("record refused: partition key is empty");
  if (chars < 0) return InvalidArgumentError("record refused: partition key is not valid UTF-8");
  if (chars > static_cast<int64_t>(kMaxPartitionKeyChars)) {
    return InvalidArgumentError("record refused: partition key has " + std::to_string(chars) +
                                " characters; the limit is 256");
  }
  size_t size = r.partition_key.size() + r.data.size();
  if (size > config_.max_record_size) {
    return InvalidArgumentError("record refused: " + std::to_string(size) +
                                " bytes (partition key + data) exceed the stream's record "
                                "limit of " + std::to_string(config_.max_record_size) + " bytes");
  }
  if (r.explicit_hash_key.empty()) {
    *hash_key = hasher_.Hash(r.partition_key);
  } else {
    auto k = HashKey::FromDecimal(r.explicit_hash_key);
    if (!k.ok()) return k.status().WithContext("record refused");
    *hash_key = *k;
  }
  return Status::Ok();
}

Status Producer::Put(UserRecord record, PutCallback callback) {
  if (draining_) return FailedPreconditionError("producer is shutting down; record refused");
  HashKey hash_key;
  Status valid = Validate(record, &hash_key);
  if (!valid.ok()) {
    ++metrics_.user_records_refused;
    return valid;
  }
  size_t bytes = Footprint(record);
  if (outstanding_records_ > 0 && outstanding_bytes_ + bytes > config_.max_outstanding_bytes) {
    return ResourceExhaustedError("producer buffer full (" + std::to_string(outstanding_bytes_) +
                                  " bytes outstanding); put again after records complete");
  }
  SteadyTime now = clock_.Now();
  auto p = std::make_unique<PendingRecord>();
  p->record = std::move(record);
  p->hash_key = hash_key;
  p->callback = std::move(callback);
  p->arrival = now;
  p->expiration = AddOrNever(now, config_.record_ttl);
  p->deadline = std::min(now + config_.record_max_buffered_time, p->expiration);
  ++metrics_.user_records_received;
  ++outstanding_records_;
  outstanding_bytes_ += bytes;
  Enter();
  shard_map_.Poll();
  p->predicted = shard_map_.Predict(hash_key);
  aggregator_.Add(std::move(p));
  Leave();
  return Status::Ok();
}

void Producer::Requeue(PendingRecordPtr record, SteadyTime now) {
  // A retried record gets half the usual buffering time, as in the KPL.
  record->deadline = std::min(now + config_.record_max_buffered_time / 2, record->expiration);
  record->predicted = shard_map_.Predict(record->hash_key);
  aggregator_.Add(std::move(record));
}

void Producer::RunStages(SteadyTime now) {
  shard_map_.Poll();
  for (auto& r : retrier_.TakeDue(now)) Requeue(std::move(r), now);
  if (draining_) {
    aggregator_.FlushAll();
  } else {
    aggregator_.FlushDue(now);
  }
  limiter_.Drain(now);
  if (draining_) {
    collector_.FlushAll(now);
  } else {
    collector_.Poll(now);
  }
  if (draining_ && now >= drain_deadline_) {
    CancelAll(CancelledError("producer shut down (drain deadline passed) before the record "
                             "was sent"));
  }
}

void Producer::Poll() {
  Enter();
  RunStages(clock_.Now());
  Leave();
}

void Producer::Flush() {
  Enter();
  SteadyTime now = clock_.Now();
  for (auto& r : retrier_.TakeDue(now)) Requeue(std::move(r), now);
  aggregator_.FlushAll();
  limiter_.Drain(now);
  collector_.FlushAll(now);
  Leave();
}

void Producer::BeginDrain(SteadyTime deadline) {
  draining_ = true;
  drain_deadline_ = deadline;
  Poll();
}

void Producer::CancelAll(const Status& why) {
  for (auto& r : aggregator_.TakeAll()) retrier_.Fail(std::move(r), why);
  for (auto& r : limiter_.TakeAll()) retrier_.FailAll(std::move(r), why);
  for (auto& r : collector_.TakeAll()) retrier_.FailAll(std::move(r), why);
  for (auto& batch : waiting_batches_) {
    collector_.OnBatchDone(*batch);
    for (auto& r : batch->records) retrier_.FailAll(std::move(r), why);
  }
  waiting_batches_.clear();
  for (auto& r : retrier_.TakeAllWaiting()) retrier_.Fail(std::move(r), why);
}

void Producer::Send(PutBatchPtr batch) {
  if (in_flight_.size() >= config_.max_requests_in_flight) {
    waiting_batches_.push_back(std::move(batch));
    return;
  }
  Dispatch(std::move(batch));
}

void Producer::Dispatch(PutBatchPtr batch) {
  std::vector<PutRecordsEntry> entries;
  entries.reserve(batch->records.size());
  SteadyTime now = clock_.Now();
  for (const KinesisRecordPtr& r : batch->records) {
    r->sent_size = r->WireSize();
    entries.push_back(PutRecordsEntry{std::move(r->data), r->partition_key, r->explicit_hash_key});
    for (const PendingRecordPtr& u : r->items) {
      if (u->attempts++ == 0) {
        metrics_.buffering_time_ms += static_cast<uint64_t>(
            std::chrono::duration_cast<Millis>(now - u->arrival).count());
      }
    }
  }
  ++metrics_.requests;
  uint64_t id = next_batch_id_++;
  in_flight_.emplace(id, std::move(batch));
  std::weak_ptr<bool> alive = alive_;
  api_.PutRecords(config_.stream, entries, [this, alive, id](StatusOr<PutRecordsResult> result) {
    auto token = alive.lock();
    if (!token || !*token) return;
    OnAnswer(id, std::move(result));
  });
}

void Producer::OnAnswer(uint64_t id, StatusOr<PutRecordsResult> result) {
  // An answer may come synchronously from inside a stage (a fake or a failed connect): keep it
  // for Settle, which runs when no stage is on the stack.
  deferred_.emplace_back(id, std::move(result));
  if (depth_ == 0) Settle();
}

void Producer::HandleAnswer(uint64_t id, const StatusOr<PutRecordsResult>& result) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  PutBatchPtr batch = std::move(it->second);
  in_flight_.erase(it);
  collector_.OnBatchDone(*batch);
  retrier_.OnPutRecordsDone(*batch, result);
  if (!waiting_batches_.empty()) {
    PutBatchPtr next = std::move(waiting_batches_.front());
    waiting_batches_.pop_front();
    Dispatch(std::move(next));
  }
}

void Producer::Leave() {
  if (--depth_ == 0) Settle();
}

void Producer::Settle() {
  while (true) {
    if (!deferred_.empty()) {
      auto answers = std::move(deferred_);
      deferred_.clear();
      ++depth_;
      for (auto& [id, result] : answers) HandleAnswer(id, result);
      // Freed in-flight room and due retries may let more go out now.
      RunStages(clock_.Now());
      --depth_;
      continue;
    }
    if (!retrier_.has_completions()) return;
    for (auto& [record, outcome] : retrier_.TakeCompletions()) {
      --outstanding_records_;
      outstanding_bytes_ -= Footprint(record->record);
      // The callback may Put (which settles on its own) or do nothing; either is fine here.
      if (record->callback) record->callback(outcome);
    }
  }
}

std::optional<SteadyTime> Producer::NextWakeup() {
  SteadyTime now = clock_.Now();
  std::optional<SteadyTime> next;
  auto consider = [&next](std::optional<SteadyTime> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(shard_map_.NextPoll());
  consider(retrier_.NextDue());
  consider(aggregator_.NextDeadline());
  consider(limiter_.NextWakeup(now));
  consider(collector_.NextDeadline());
  if (draining_ && outstanding_records_ > 0) consider(drain_deadline_);
  return next;
}

}  // namespace kedge::kpl
