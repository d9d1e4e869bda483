#include "kpl/firehose_producer.h"

#include <algorithm>

#include "kpl/backoff.h"
#include "platform/logging.h"

namespace kedge::kpl {

Status FirehoseProducerConfig::Validate() const {
  auto bad = [](const std::string& key, const std::string& want) {
    return InvalidArgumentError("firehose config: " + key + " must be " + want);
  };
  if (delivery_stream.empty()) return bad("delivery_stream", "set");
  if (max_batch_count < 1 || max_batch_count > 500) return bad("max_batch_count", "1 to 500");
  if (max_batch_bytes < 1024 || max_batch_bytes > 4 * 1048576) {
    return bad("max_batch_bytes", "1024 to 4194304 bytes");
  }
  if (max_record_bytes < 1 || max_record_bytes > 1000 * 1024) {
    return bad("max_record_bytes", "1 to 1024000 bytes");
  }
  if (delimiter.size() >= max_record_bytes) return bad("delimiter", "shorter than a record");
  if (record_ttl.count() != 0 && record_ttl.count() < 100) {
    return bad("record_ttl", "0 (unlimited) or at least 100 ms");
  }
  if (retry_initial_backoff.count() < 1 || retry_max_backoff < retry_initial_backoff) {
    return bad("retry_initial_backoff/retry_max_backoff", ">= 1 ms, initial <= max");
  }
  if (max_requests_in_flight < 1) return bad("max_requests_in_flight", "at least 1");
  if (max_outstanding_bytes < max_record_bytes) {
    return bad("max_outstanding_bytes", "at least max_record_bytes");
  }
  return Status::Ok();
}

FirehoseProducer::FirehoseProducer(PutRecordBatchFn send, Clock& clock,
                                   FirehoseProducerConfig config)
    : send_(std::move(send)), clock_(clock), config_(std::move(config)) {}

FirehoseProducer::~FirehoseProducer() {
  *alive_ = false;
  closing_ = true;  // callbacks below that Put are refused
  Status why = CancelledError("firehose producer destroyed before the record was delivered");
  std::vector<ItemPtr> left;
  for (auto& item : pending_) left.push_back(std::move(item));
  for (auto& [at, item] : waiting_) left.push_back(std::move(item));
  for (auto& [id, items] : in_flight_) {
    for (auto& item : items) left.push_back(std::move(item));
  }
  pending_.clear();
  waiting_.clear();
  in_flight_.clear();
  for (auto& item : left) {
    PutOutcome out;
    out.status = why;
    Finish(std::move(item), std::move(out));
  }
}

Status FirehoseProducer::Put(std::string data, PutCallback callback) {
  if (closing_) return FailedPreconditionError("firehose producer is shutting down");
  size_t size = data.size() + config_.delimiter.size();
  if (size > config_.max_record_bytes) {
    ++metrics_.user_records_refused;
    return InvalidArgumentError("record refused: " + std::to_string(size) +
                                " bytes (data + delimiter) exceed Firehose's record limit of " +
                                std::to_string(config_.max_record_bytes) + " bytes");
  }
  if (outstanding_records_ > 0 && outstanding_bytes_ + size > config_.max_outstanding_bytes) {
    return ResourceExhaustedError("firehose producer buffer full; put again after records "
                                  "complete");
  }
  SteadyTime now = clock_.Now();
  auto item = std::make_unique<Item>();
  item->data = std::move(data);
  item->data += config_.delimiter;
  item->callback = std::move(callback);
  item->expiration = AddOrNever(now, config_.record_ttl);
  item->deadline = std::min(now + config_.max_buffered_time, item->expiration);
  ++metrics_.user_records_received;
  ++outstanding_records_;
  outstanding_bytes_ += size;
  pending_bytes_ += size;
  pending_.push_back(std::move(item));
  Poll();
  return Status::Ok();
}

bool FirehoseProducer::BatchDue(SteadyTime now) const {
  return flushing_ || pending_.size() >= config_.max_batch_count ||
         pending_bytes_ >= config_.max_batch_bytes || pending_.front()->deadline <= now;
}

void FirehoseProducer::Poll() {
  SteadyTime now = clock_.Now();
  // Retries go first: they have waited longest.
  std::vector<ItemPtr> due;
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    due.push_back(std::move(waiting_.begin()->second));
    waiting_.erase(waiting_.begin());
  }
  for (auto it = due.rbegin(); it != due.rend(); ++it) {
    pending_bytes_ += (*it)->data.size();
    pending_.push_front(std::move(*it));
  }
  while (!pending_.empty() && in_flight_.size() < config_.max_requests_in_flight &&
         BatchDue(now)) {
    SendOne();
  }
  if (pending_.empty()) flushing_ = false;
}

void FirehoseProducer::Flush() {
  flushing_ = true;
  Poll();
}

void FirehoseProducer::SendOne() {
  SteadyTime now = clock_.Now();
  std::vector<ItemPtr> batch;
  std::vector<std::string> records;
  size_t bytes = 0;
  while (!pending_.empty() && batch.size() < config_.max_batch_count) {
    ItemPtr& front = pending_.front();
    size_t size = front->data.size();
    if (!batch.empty() && bytes + size > config_.max_batch_bytes) break;
    ItemPtr item = std::move(front);
    pending_.pop_front();
    pending_bytes_ -= size;
    if (item->expiration <= now) {
      ++metrics_.user_records_expired;
      PutOutcome out;
      out.status = DeadlineExceededError("record expired (record_ttl) before it was sent");
      Finish(std::move(item), std::move(out));
      continue;
    }
    ++item->attempts;
    bytes += size;
    records.push_back(item->data);
    batch.push_back(std::move(item));
  }
  if (batch.empty()) return;
  ++metrics_.requests;
  uint64_t id = next_id_++;
  in_flight_.emplace(id, std::move(batch));
  std::weak_ptr<bool> alive = alive_;
  send_(config_.delivery_stream, records,
        [this, alive, id](StatusOr<std::vector<FirehoseRecordOutcome>> result) {
          auto token = alive.lock();
          if (token && *token) OnAnswer(id, std::move(result));
        });
}

void FirehoseProducer::OnAnswer(uint64_t id, StatusOr<std::vector<FirehoseRecordOutcome>> result) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  std::vector<ItemPtr> items = std::move(it->second);
  in_flight_.erase(it);
  if (result.ok() && result->size() != items.size()) {
    result = UnavailableError("PutRecordBatch answered " + std::to_string(result->size()) +
                              " results for " + std::to_string(items.size()) + " records");
  }
  if (!result.ok()) {
    ++metrics_.request_failures;
    FailureClass c = ClassifyFailure(result.status());
    if (c == FailureClass::kThrottled) ++metrics_.throttles;
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(10))
        << "kpl: PutRecordBatch of " << items.size()
        << " records failed: " << result.status().ToString();
    for (auto& item : items) {
      if (c == FailureClass::kFatal) {
        PutOutcome out;
        out.status = result.status();
        Finish(std::move(item), std::move(out));
      } else {
        Retry(std::move(item), result.status());
      }
    }
  } else {
    for (size_t i = 0; i < items.size(); ++i) {
      const FirehoseRecordOutcome& r = (*result)[i];
      if (!r.error_code.empty()) {
        ++metrics_.errors_by_code[r.error_code];
        // Only this record goes again; the others are stored.
        Retry(std::move(items[i]), StatusForRecordError(r.error_code, r.error_message));
        continue;
      }
      ++metrics_.user_records_put;
      ++metrics_.kinesis_records_put;
      metrics_.user_bytes_put += items[i]->data.size();
      PutOutcome out;
      out.sequence_number = r.record_id;
      Finish(std::move(items[i]), std::move(out));
    }
  }
  Poll();  // room for another request
}

void FirehoseProducer::Retry(ItemPtr item, const Status& why) {
  SteadyTime at = clock_.Now() + JitteredBackoff(item->attempts, config_.retry_initial_backoff,
                                                 config_.retry_max_backoff,
                                                 config_.random ? config_.random() : 0.5);
  if (at >= item->expiration) {
    ++metrics_.user_records_expired;
    PutOutcome out;
    out.status = DeadlineExceededError("record expired (record_ttl) after " +
                                       std::to_string(item->attempts) +
                                       " attempts; last error: " + why.ToString());
    Finish(std::move(item), std::move(out));
    return;
  }
  ++metrics_.retries;
  item->deadline = at;
  waiting_.emplace(at, std::move(item));
}

void FirehoseProducer::Finish(ItemPtr item, PutOutcome outcome) {
  --outstanding_records_;
  outstanding_bytes_ -= item->data.size();
  if (!outcome.status.ok()) ++metrics_.user_records_failed;
  outcome.attempts = item->attempts;
  if (item->callback) item->callback(outcome);
}

std::optional<SteadyTime> FirehoseProducer::NextWakeup() const {
  std::optional<SteadyTime> next;
  if (!waiting_.empty()) next = waiting_.begin()->first;
  if (!pending_.empty() && in_flight_.size() < config_.max_requests_in_flight) {
    SteadyTime t = pending_.front()->deadline;
    if (!next || t < *next) next = t;
  }
  return next;
}

}  // namespace kedge::kpl
