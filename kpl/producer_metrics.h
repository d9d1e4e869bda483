#pragma once
// Counters the producer keeps, named after the KPL's metrics. Plain values owned by the
// Producer and updated on its thread; read them there (Producer::metrics()) and publish them to
// the metrics registry from that thread.

#include <cstdint>
#include <map>
#include <string>

namespace kedge::kpl {

struct ProducerMetrics {
  uint64_t user_records_received = 0;  // accepted by Put
  uint64_t user_records_refused = 0;   // refused by Put (invalid or oversize)
  uint64_t user_records_put = 0;       // ended in success
  uint64_t user_records_failed = 0;    // ended in failure (expired included)
  uint64_t user_records_expired = 0;   // failed because their TTL ran out
  uint64_t user_bytes_put = 0;         // data bytes of user records that succeeded
  uint64_t kinesis_records_put = 0;    // PutRecords entries that succeeded
  uint64_t kinesis_bytes_put = 0;      // their partition key + data bytes
  uint64_t requests = 0;               // PutRecords calls made
  uint64_t request_failures = 0;       // whole-request failures
  uint64_t retries = 0;                // user records sent back for another attempt
  uint64_t throttles = 0;              // throttling answers (per record or per request)
  uint64_t wrong_shard = 0;            // aggregates that landed on a shard other than predicted
  uint64_t buffering_time_ms = 0;      // sum over sent user records of arrival -> first send
  std::map<std::string, uint64_t> errors_by_code;  // AWS error code (or status code) -> count
};

}  // namespace kedge::kpl
