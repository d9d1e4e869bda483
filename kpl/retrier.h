#pragma once
// Retrier: turns PutRecords outcomes into the end of each user record, or another attempt.
//
// Per record: success ends the user records in it (shard id, sequence number, sub-sequence
// number), unless the record was an aggregate that landed on a shard whose range does not hold
// all its user records: then the shard map is invalidated and the user records are sent again
// (the KCL would drop that aggregate). ProvisionedThroughputExceeded and InternalFailure are
// retried after an exponential backoff with jitter; throttling also slows the shard down in the
// Limiter. A whole-request failure is classified once (ClassifyFailure): throttling and
// transient failures are retried, expired credentials are refreshed and retried, anything else
// (validation, access denied, stream not found) fails the records at once with the service's
// message. A record whose TTL would run out before its next attempt fails as expired.
//
// Retried user records wait here until due, then go back to the aggregator (TakeDue) and may be
// re-predicted and re-aggregated. Finished records are queued (TakeCompletions) so that the
// producer runs user callbacks where it is safe to. Single-threaded.

#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "kpl/collector.h"
#include "kpl/kinesis_api.h"
#include "kpl/producer_metrics.h"
#include "kpl/shard_map.h"
#include "kpl/user_record.h"
#include "platform/clock.h"

namespace kedge::kpl {

enum class FailureClass {
  kThrottled,           // slow down, then retry
  kRetryable,           // transient: back off and retry
  kExpiredCredentials,  // refresh credentials, then retry
  kFatal,               // retrying cannot help: fail now
};

// The one mapping from a failure to what to do about it.
FailureClass ClassifyFailure(const Status& status);
// A per-record PutRecords error as a Status (PTEE -> ResourceExhausted, InternalFailure ->
// Unavailable, anything else -> Unavailable, i.e. retried).
Status StatusForRecordError(const std::string& code, const std::string& message);

// Uniform in [0, 1). Injected so that tests choose the jitter.
using RandomSource = std::function<double()>;

class Retrier {
 public:
  struct Options {
    Millis initial_backoff{100};
    Millis max_backoff{10000};
    bool fail_if_throttled = false;
  };
  struct Hooks {
    std::function<void(ShardHandle)> throttled;  // tell the Limiter
    std::function<void()> refresh_credentials;   // may be empty
  };
  using Completion = std::pair<PendingRecordPtr, PutOutcome>;

  Retrier(const Options& options, Clock& clock, ShardMap& shard_map, RandomSource random,
          ProducerMetrics& metrics, Hooks hooks);

  void OnPutRecordsDone(PutBatch& batch, const StatusOr<PutRecordsResult>& result);
  // Ends every user record in `record` (expired in the limiter, producer shut down, ...).
  void FailAll(KinesisRecordPtr record, const Status& why);
  void Fail(PendingRecordPtr record, const Status& why);

  // Records whose backoff is over, oldest due first.
  std::vector<PendingRecordPtr> TakeDue(SteadyTime now);
  std::vector<PendingRecordPtr> TakeAllWaiting();
  std::optional<SteadyTime> NextDue() const;
  size_t waiting() const { return waiting_.size(); }

  std::vector<Completion> TakeCompletions();
  bool has_completions() const { return !completions_.empty(); }

 private:
  void OnRequestFailed(PutBatch& batch, const Status& status);
  void OnRecordResult(KinesisRecordPtr record, const PutRecordsResultEntry& entry,
                      SteadyTime sent_at);
  void Succeed(KinesisRecordPtr record, const PutRecordsResultEntry& entry);
  // Schedules another attempt after `delay`, or fails the record if its TTL would run out.
  void Retry(PendingRecordPtr record, const Status& why, Millis delay);
  void RetryAll(KinesisRecordPtr record, const Status& why, bool backoff);
  Millis Backoff(int attempts);
  static std::string ErrorCode(const Status& status);

  Options options_;
  Clock& clock_;
  ShardMap& shard_map_;
  RandomSource random_;
  ProducerMetrics& metrics_;
  Hooks hooks_;
  std::multimap<SteadyTime, PendingRecordPtr> waiting_;
  std::vector<Completion> completions_;
};

}  // namespace kedge::kpl
