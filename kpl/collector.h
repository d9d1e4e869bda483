#pragma once
// Collector: groups Kinesis records into PutRecords requests.
//
// A request holds at most max_count records and max_bytes bytes (partition keys + data, as the
// service counts its 5 MiB), always at least one record. A request goes out when a full one can
// be made, when the earliest collection deadline among buffered records passes (a record's
// deadline plus `linger`, so aggregates that finish at different times for different shards
// still share a request), or on Flush. Per shard, at most max_in_flight_bytes may be in
// requests not yet answered; records beyond that wait here (a shard always gets at least one
// record out). Records go out in arrival order otherwise.
// Single-threaded; the send function takes ownership of each request.

#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "kpl/user_record.h"

namespace kedge::kpl {

struct PutBatch {
  std::vector<KinesisRecordPtr> records;
  size_t bytes = 0;
  SteadyTime sent_at{};
};
using PutBatchPtr = std::unique_ptr<PutBatch>;

class Collector {
 public:
  struct Options {
    size_t max_count = 500;
    size_t max_bytes = 5 * 1048576;
    Millis linger{20};
    size_t max_in_flight_bytes_per_shard = 4 * 1048576;
  };
  using Send = std::function<void(PutBatchPtr)>;

  Collector(const Options& options, Send send);

  void Add(KinesisRecordPtr record, SteadyTime now);
  // Sends the requests that are due at `now`.
  void Poll(SteadyTime now);
  // Sends everything that the in-flight caps allow, due or not.
  void FlushAll(SteadyTime now);
  // A request ended (whatever its outcome): its bytes no longer count as in flight.
  void OnBatchDone(const PutBatch& batch);

  // Takes every buffered record out (for failing them at shutdown).
  std::vector<KinesisRecordPtr> TakeAll();

  std::optional<SteadyTime> NextDeadline() const;
  size_t buffered_records() const { return buffered_.size(); }
  size_t in_flight_bytes(ShardHandle shard) const;

 private:
  bool Sendable(const KinesisRecord& r) const;
  // Builds and sends one request from sendable records; false when none was sendable.
  bool SendOne(SteadyTime now);
  bool FullRequestReady() const;

  Options options_;
  Send send_;
  std::deque<KinesisRecordPtr> buffered_;
  size_t buffered_bytes_ = 0;
  std::unordered_map<ShardHandle, size_t> in_flight_;
};

}  // namespace kedge::kpl
