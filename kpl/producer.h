#pragma once
// Producer: the KPL-style record pipeline for one Kinesis data stream.
//
//   Put -> ShardMap.Predict -> Aggregator (per shard) -> Limiter (per shard) -> Collector
//       -> KinesisApi::PutRecords -> Retrier -> callback (or back to the Aggregator)
//
// Single-threaded and clock-driven: every call, and every KinesisApi callback, happens on the
// owner's thread (the `kpl` thread in the agent). Nothing sleeps or starts threads; the owner
// calls Poll() when NextWakeup() comes, and asks NextWakeup() again after each Put, Flush or
// Poll (a Put can make an earlier wakeup). A KinesisApi answer is handled when it arrives and
// sends whatever it made room for.
//
// Every accepted record ends in exactly one callback: success (shard id, sequence number,
// sub-sequence number) or failure (a Status saying why). Put refuses invalid and oversize
// records up front with InvalidArgument and never calls back for them; when more than
// max_outstanding_bytes are in the pipeline it refuses with ResourceExhausted (back-pressure:
// try again after callbacks have come). Callbacks never run inside a stage, so they may call
// Put. Destroying the producer fails what is still outstanding with Cancelled.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kpl/aggregator.h"
#include "kpl/collector.h"
#include "kpl/kinesis_api.h"
#include "kpl/limiter.h"
#include "kpl/producer_metrics.h"
#include "kpl/retrier.h"
#include "kpl/shard_map.h"
#include "kpl/user_record.h"
#include "platform/clock.h"

namespace kedge::kpl {

// Configuration keys, documented with their ranges in docs/producer.md.
struct ProducerConfig {
  std::string stream;
  bool aggregation_enabled = true;
  size_t aggregation_max_count = 4294967295u;
  size_t aggregation_max_size = 51200;
  size_t max_record_size = 1048576;  // the stream's record limit, partition key included
  size_t collection_max_count = 500;
  size_t collection_max_size = 5 * 1048576;
  Millis record_max_buffered_time{100};
  Millis record_ttl{30000};  // 0 = unlimited (when a spool backs the producer)
  double rate_limit_percent = 150;  // of the shard limits; 0 = no limit (local endpoints)
  size_t max_in_flight_bytes_per_shard = 4 * 1048576;
  // PutRecords requests at once, like the KPL's MaxConnections; more wait in line (a request
  // waiting for a connection would otherwise spend its connect timeout in libcurl's queue).
  size_t max_requests_in_flight = 24;
  Millis retry_initial_backoff{100};
  Millis retry_max_backoff{10000};
  bool fail_if_throttled = false;
  Millis shard_map_refresh_interval{5 * 60 * 1000};
  size_t max_outstanding_bytes = 32 * 1048576;
  size_t hash_key_cache_size = 4096;  // partition keys whose MD5 is remembered; 0 = none

  RandomSource random;                       // jitter; empty = seeded from std::random_device
  std::function<void()> refresh_credentials;  // called on expired credentials; may be empty

  // InvalidArgument naming the first key out of range.
  Status Validate() const;
};

class Producer {
 public:
  // Validates the configuration first.
  static StatusOr<std::unique_ptr<Producer>> Create(KinesisApi& api, Clock& clock,
                                                    ProducerConfig config);
  Producer(KinesisApi& api, Clock& clock, ProducerConfig config);  // config must be valid
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  Status Put(UserRecord record, PutCallback callback);
  // Runs whatever is due now.
  void Poll();
  // Sends everything buffered now (rate limits still apply).
  void Flush();
  // For shutdown: flushes now and keeps flushing; at `deadline`, Poll fails what is left with
  // Cancelled. Put refuses new records from now on.
  void BeginDrain(SteadyTime deadline);
  bool Drained() const { return outstanding_records_ == 0; }

  // When Poll should run next; nullopt when nothing waits on time.
  std::optional<SteadyTime> NextWakeup();
  size_t outstanding_records() const { return outstanding_records_; }
  size_t outstanding_bytes() const { return outstanding_bytes_; }
  size_t requests_in_flight() const { return in_flight_.size(); }
  const ProducerMetrics& metrics() const { return metrics_; }
  const ShardMap& shard_map() const { return shard_map_; }

 private:
  Status Validate(const UserRecord& record, HashKey* hash_key);
  void Enter() { ++depth_; }
  void Leave();
  // Handles deferred answers and runs callbacks; only when no stage is running.
  void Settle();
  void RunStages(SteadyTime now);
  void Requeue(PendingRecordPtr record, SteadyTime now);
  // Sends `batch` now, or queues it while max_requests_in_flight are out.
  void Send(PutBatchPtr batch);
  void Dispatch(PutBatchPtr batch);
  void OnAnswer(uint64_t id, StatusOr<PutRecordsResult> result);
  void HandleAnswer(uint64_t id, const StatusOr<PutRecordsResult>& result);
  void CancelAll(const Status& why);

  KinesisApi& api_;
  Clock& clock_;
  ProducerConfig config_;
  ProducerMetrics metrics_;
  ShardMap shard_map_;
  PartitionKeyHasher hasher_;
  Retrier retrier_;
  Collector collector_;
  Limiter limiter_;
  Aggregator aggregator_;

  std::map<uint64_t, PutBatchPtr> in_flight_;
  std::deque<PutBatchPtr> waiting_batches_;  // ready, waiting for a request slot
  uint64_t next_batch_id_ = 1;
  std::vector<std::pair<uint64_t, StatusOr<PutRecordsResult>>> deferred_;
  int depth_ = 0;
  size_t outstanding_records_ = 0;
  size_t outstanding_bytes_ = 0;
  bool draining_ = false;
  SteadyTime drain_deadline_ = SteadyTime::max();
  // Lets late KinesisApi callbacks see that the producer is gone. Shared only with them.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kedge::kpl
