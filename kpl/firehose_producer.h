#pragma once
// FirehoseProducer: the record path to an Amazon Data Firehose delivery stream.
//
// Put -> buffer -> PutRecordBatch (<= 500 records, <= 4 MiB, each record <= 1,000 KiB, with an
// optional delimiter appended since Firehose concatenates records) -> per-record results: only
// the records that failed are sent again, after an exponential backoff with jitter, until their
// TTL. Whole-request failures are classified by ClassifyFailure (kpl/retrier.h), the same
// mapping as the Kinesis path: throttling, transient failures and expired credentials retry,
// anything else fails the records at once.
//
// Single-threaded and clock-driven like Producer: Put, Poll at NextWakeup(), Flush, and the send
// function's callback all run on the owner's thread; the callback may come synchronously.
// Every accepted record ends in exactly one callback: success (PutOutcome::sequence_number
// holds Firehose's RecordId, shard_id is empty) or failure (why). Put refuses an oversize record
// with InvalidArgument and no callback, and answers ResourceExhausted when more than
// max_outstanding_bytes are buffered. Destruction fails what is outstanding with Cancelled.

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kpl/retrier.h"
#include "kpl/user_record.h"
#include "platform/clock.h"

namespace kedge::kpl {

// One record's answer in a PutRecordBatch response (the fields of the Firehose API's
// PutRecordBatchResponseEntry).
struct FirehoseRecordOutcome {
  std::string record_id;      // set on success
  std::string error_code;     // ServiceUnavailableException, InternalFailure
  std::string error_message;
};

// Sends one PutRecordBatch; `done` runs once with per-record outcomes in request order, or a
// whole-request failure Status ("Code: message", StatusCode as kinesis_api.h describes).
using PutRecordBatchFn = std::function<void(
    const std::string& delivery_stream, const std::vector<std::string>& records,
    std::function<void(StatusOr<std::vector<FirehoseRecordOutcome>>)> done)>;

struct FirehoseProducerConfig {
  std::string delivery_stream;
  std::string delimiter = "\n";  // appended to every record; empty for none
  size_t max_batch_count = 500;
  size_t max_batch_bytes = 4 * 1048576;
  size_t max_record_bytes = 1000 * 1024;  // data + delimiter
  Millis max_buffered_time{100};
  Millis record_ttl{30000};  // 0 = unlimited
  Millis retry_initial_backoff{100};
  Millis retry_max_backoff{10000};
  size_t max_requests_in_flight = 4;
  size_t max_outstanding_bytes = 32 * 1048576;
  RandomSource random;  // jitter; empty = 0.5 always

  Status Validate() const;  // InvalidArgument naming the key
};

class FirehoseProducer {
 public:
  FirehoseProducer(PutRecordBatchFn send, Clock& clock, FirehoseProducerConfig config);
  ~FirehoseProducer();
  FirehoseProducer(const FirehoseProducer&) = delete;
  FirehoseProducer& operator=(const FirehoseProducer&) = delete;

  Status Put(std::string data, PutCallback callback);
  void Poll();
  void Flush();

  std::optional<SteadyTime> NextWakeup() const;
  size_t outstanding_records() const { return outstanding_records_; }
  size_t requests_in_flight() const { return in_flight_.size(); }
  const ProducerMetrics& metrics() const { return metrics_; }

 private:
  struct Item {
    std::string data;  // delimiter included
    PutCallback callback;
    SteadyTime deadline;
    SteadyTime expiration;
    int attempts = 0;
  };
  using ItemPtr = std::unique_ptr<Item>;

  bool BatchDue(SteadyTime now) const;
  void SendOne();
  void OnAnswer(uint64_t id, StatusOr<std::vector<FirehoseRecordOutcome>> result);
  void Retry(ItemPtr item, const Status& why);
  void Finish(ItemPtr item, PutOutcome outcome);

  PutRecordBatchFn send_;
  Clock& clock_;
  FirehoseProducerConfig config_;
  ProducerMetrics metrics_;
  std::deque<ItemPtr> pending_;
  size_t pending_bytes_ = 0;
  std::multimap<SteadyTime, ItemPtr> waiting_;  // retries, by due time
  std::map<uint64_t, std::vector<ItemPtr>> in_flight_;
  uint64_t next_id_ = 1;
  size_t outstanding_records_ = 0;
  size_t outstanding_bytes_ = 0;
  bool flushing_ = false;
  bool closing_ = false;  // set by the destructor: Put refuses
  // Lets a late answer see that the producer is gone. Shared only with those callbacks.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kedge::kpl
