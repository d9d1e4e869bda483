#include "kpl/retrier.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "kpl/backoff.h"
#include "platform/aws/errors.h"
#include "platform/logging.h"

namespace kedge::kpl {

FailureClass ClassifyFailure(const Status& status) {
  // The one AWS error classifier decides; this only names its answer in the retrier's terms.
  switch (aws::Classify(status)) {
    case aws::ErrorClass::kThrottled:
      return FailureClass::kThrottled;
    case aws::ErrorClass::kRetryable:
      return FailureClass::kRetryable;
    case aws::ErrorClass::kExpired:
      return FailureClass::kExpiredCredentials;
    case aws::ErrorClass::kFatal:
      break;
  }
  return FailureClass::kFatal;
}

Status StatusForRecordError(const std::string& code, const std::string& message) {
  std::string text = code + ": " + message;
  if (code == "ProvisionedThroughputExceededException" || code == "KMSThrottlingException") {
    return ResourceExhaustedError(text);
  }
  // InternalFailure and codes the service may add later: the service put nothing, so another
  // attempt is safe.
  return UnavailableError(text);
}

Retrier::Retrier(const Options& options, Clock& clock, ShardMap& shard_map, RandomSource random,
                 ProducerMetrics& metrics, Hooks hooks)
    : options_(options),
      clock_(clock),
      shard_map_(shard_map),
      random_(std::move(random)),
      metrics_(metrics),
      hooks_(std::move(hooks)) {}

std::string Retrier::ErrorCode(const Status& status) {
  // Messages from the Kinesis client start with the AWS error code ("Code: message").
  const std::string& m = status.message();
  size_t colon = m.find(':');
  if (colon != std::string::npos && colon > 0 &&
      std::all_of(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(colon),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
    return m.substr(0, colon);
  }
  return std::string(StatusCodeName(status.code()));
}

Millis Retrier::Backoff(int attempts) {
  return JitteredBackoff(attempts, options_.initial_backoff, options_.max_backoff,
                         random_ ? random_() : 0.5);
}

void Retrier::OnPutRecordsDone(PutBatch& batch, const StatusOr<PutRecordsResult>& result) {
  if (!result.ok()) {
    OnRequestFailed(batch, result.status());
    return;
  }
  if (result->records.size() != batch.records.size()) {
    OnRequestFailed(batch, UnavailableError("PutRecords answered " +
                                            std::to_string(result->records.size()) +
                                            " results for " +
                                            std::to_string(batch.records.size()) + " records"));
    return;
  }
  for (size_t i = 0; i < batch.records.size(); ++i) {
    OnRecordResult(std::move(batch.records[i]), result->records[i], batch.sent_at);
  }
  batch.records.clear();
}

void Retrier::OnRequestFailed(PutBatch& batch, const Status& status) {
  ++metrics_.request_failures;
  ++metrics_.errors_by_code[ErrorCode(status)];
  FailureClass c = ClassifyFailure(status);
  KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
      << "kpl: PutRecords of " << batch.records.size() << " records failed: "
      << status.ToString();
  if (c == FailureClass::kExpiredCredentials && hooks_.refresh_credentials) {
    hooks_.refresh_credentials();
  }
  if (c == FailureClass::kThrottled) {
    ++metrics_.throttles;
    std::set<ShardHandle> shards;
    for (const auto& r : batch.records) shards.insert(r->shard);
    for (ShardHandle s : shards) {
      if (hooks_.throttled) hooks_.throttled(s);
    }
  }
  for (auto& r : batch.records) {
    if (c == FailureClass::kFatal ||
        (c == FailureClass::kThrottled && options_.fail_if_throttled)) {
      FailAll(std::move(r), status);
    } else {
      RetryAll(std::move(r), status, /*backoff=*/true);
    }
  }
  batch.records.clear();
}

void Retrier::OnRecordResult(KinesisRecordPtr record, const PutRecordsResultEntry& entry,
                             SteadyTime sent_at) {
  if (!entry.ok()) {
    Status why = StatusForRecordError(entry.error_code, entry.error_message);
    ++metrics_.errors_by_code[entry.error_code];
    FailureClass c = ClassifyFailure(why);
    if (c == FailureClass::kThrottled) {
      ++metrics_.throttles;
      if (hooks_.throttled) hooks_.throttled(record->shard);
      if (options_.fail_if_throttled) return FailAll(std::move(record), why);
    }
    if (c == FailureClass::kFatal) return FailAll(std::move(record), why);
    return RetryAll(std::move(record), why, /*backoff=*/true);
  }
  ShardHandle actual = shard_map_.Intern(entry.shard_id);
  if (record->shard != kNoShard && actual != record->shard) {
    shard_map_.Invalidate(sent_at);
    bool all_inside = std::all_of(
        record->items.begin(), record->items.end(),
        [&](const PendingRecordPtr& u) { return shard_map_.Contains(actual, u->hash_key); });
    if (record->items.size() > 1 && !all_inside) {
      // The stream put the aggregate on another shard than predicted and some of its user
      // records hash elsewhere: a KCL consumer drops such an aggregate, so send them again
      // (they reach the stream twice; consumers must tolerate duplicates anyway).
      ++metrics_.wrong_shard;
      return RetryAll(std::move(record),
                      AbortedError("aggregate landed on " + entry.shard_id +
                                   ", which does not hold all its records"),
                      /*backoff=*/false);
    }
  }
  Succeed(std::move(record), entry);
}

void Retrier::Succeed(KinesisRecordPtr record, const PutRecordsResultEntry& entry) {
  ++metrics_.kinesis_records_put;
  metrics_.kinesis_bytes_put += record->WireSize();
  for (size_t i = 0; i < record->items.size(); ++i) {
    PendingRecordPtr& u = record->items[i];
    ++metrics_.user_records_put;
    metrics_.user_bytes_put += u->record.data.size();
    PutOutcome out;
    out.shard_id = entry.shard_id;
    out.sequence_number = entry.sequence_number;
    out.sub_sequence_number = i;
    out.attempts = u->attempts;
    completions_.emplace_back(std::move(u), std::move(out));
  }
}

void Retrier::RetryAll(KinesisRecordPtr record, const Status& why, bool backoff) {
  for (auto& u : record->items) {
    Millis delay = backoff ? Backoff(u->attempts) : Millis(0);
    Retry(std::move(u), why, delay);
  }
}

void Retrier::Retry(PendingRecordPtr record, const Status& why, Millis delay) {
  record->last_error = why;
  SteadyTime at = clock_.Now() + delay;
  if (at >= record->expiration) {
    ++metrics_.user_records_expired;
    // The status first: the order arguments are evaluated in is unspecified, and clang moves
    // `record` out before reading record->attempts (a null dereference, found by UBSan).
    Status expired = DeadlineExceededError("record expired (record_ttl) after " +
                                           std::to_string(record->attempts) +
                                           " attempts; last error: " + why.ToString());
    Fail(std::move(record), expired);
    return;
  }
  ++metrics_.retries;
  waiting_.emplace(at, std::move(record));
}

void Retrier::FailAll(KinesisRecordPtr record, const Status& why) {
  for (auto& u : record->items) Fail(std::move(u), why);
}

void Retrier::Fail(PendingRecordPtr record, const Status& why) {
  ++metrics_.user_records_failed;
  PutOutcome out;
  out.status = why;
  out.attempts = record->attempts;
  completions_.emplace_back(std::move(record), std::move(out));
}

std::vector<PendingRecordPtr> Retrier::TakeDue(SteadyTime now) {
  std::vector<PendingRecordPtr> due;
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    due.push_back(std::move(waiting_.begin()->second));
    waiting_.erase(waiting_.begin());
  }
  return due;
}

std::vector<PendingRecordPtr> Retrier::TakeAllWaiting() {
  std::vector<PendingRecordPtr> all;
  for (auto& [at, r] : waiting_) all.push_back(std::move(r));
  waiting_.clear();
  return all;
}

std::optional<SteadyTime> Retrier::NextDue() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first;
}

std::vector<Retrier::Completion> Retrier::TakeCompletions() {
  std::vector<Completion> out;
  out.swap(completions_);
  return out;
}

}  // namespace kedge::kpl
