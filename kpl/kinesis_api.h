#pragma once
// KinesisApi: the Kinesis Data Streams operations kedge uses, asynchronous.
//
// Threading: all calls and all callbacks happen on the thread that owns the underlying
// net::HttpClient (the `kpl` thread in the agent). Each call's callback runs exactly once.
// Errors: a whole-request failure is a Status whose message starts with the AWS error code
// ("ResourceNotFoundException: Stream foo under account ... not found."); its StatusCode comes
// from aws::ClassifyError (NotFound, Unauthenticated, PermissionDenied, ResourceExhausted for
// throttling, Unavailable for 5xx and transport errors, InvalidArgument for validation).
// Per-record failures of PutRecords are not errors: they come back in PutRecordsResult.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "platform/status.h"

namespace kedge::kpl {

struct PutRecordsEntry {
  std::string data;               // raw bytes (base64 in JSON is the client's business)
  std::string partition_key;      // 1..256 Unicode characters
  std::string explicit_hash_key;  // decimal 128-bit, or empty
};

struct PutRecordsResultEntry {
  std::string shard_id;         // set on success
  std::string sequence_number;  // set on success
  std::string error_code;       // set on failure: ProvisionedThroughputExceededException, InternalFailure
  std::string error_message;
  bool ok() const { return error_code.empty(); }
};

struct PutRecordsResult {
  int failed_record_count = 0;
  std::vector<PutRecordsResultEntry> records;  // same order and size as the request's entries
};

struct Shard {
  std::string shard_id;
  std::string starting_hash_key;  // decimal, inclusive
  std::string ending_hash_key;    // decimal, inclusive
  std::string parent_shard_id;
  std::string adjacent_parent_shard_id;
  bool open = true;  // no EndingSequenceNumber
};

struct StreamSummary {
  std::string stream_name;
  std::string stream_arn;
  std::string stream_status;  // CREATING, ACTIVE, UPDATING, DELETING
  int open_shard_count = 0;
  int retention_period_hours = 0;
};

struct GetRecordsResult {
  struct Record {
    std::string data;
    std::string partition_key;
    std::string sequence_number;
    int64_t approximate_arrival_ms = 0;
  };
  std::vector<Record> records;
  std::string next_shard_iterator;
  int64_t millis_behind_latest = 0;
};

enum class WireProtocol { kJson, kCbor };

class KinesisApi {
 public:
  template <typename T>
  using Callback = std::function<void(StatusOr<T>)>;

  virtual ~KinesisApi() = default;

  virtual void PutRecords(const std::string& stream, const std::vector<PutRecordsEntry>& entries,
                          Callback<PutRecordsResult> done) = 0;
  // All shards of the stream (follows NextToken pages).
  virtual void ListShards(const std::string& stream, Callback<std::vector<Shard>> done) = 0;
  virtual void DescribeStreamSummary(const std::string& stream,
                                     Callback<StreamSummary> done) = 0;
  virtual void CreateStream(const std::string& stream, int shard_count,
                            Callback<bool> done) = 0;
  // Consumer side, for tests, `kedge` tools and kedge-ingest checks.
  // type: TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER.
  virtual void GetShardIterator(const std::string& stream, const std::string& shard_id,
                                const std::string& type, const std::string& sequence_number,
                                Callback<std::string> done) = 0;
  virtual void GetRecords(const std::string& shard_iterator, int limit,
                          Callback<GetRecordsResult> done) = 0;
};

}  // namespace kedge::kpl
