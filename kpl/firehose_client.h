#pragma once
// FirehoseClient: Firehose PutRecordBatch over the AWS JSON 1.1 protocol (JSON; Firehose is not
// known to accept CBOR). Threading and errors as AwsJsonClient says.
// Limits the caller must honour: <= 500 records and <= 4 MiB a request, <= 1,000 KiB a record.
// Firehose concatenates records at the destination, so callers add their own delimiter.

#include <string>
#include <vector>

#include "kpl/aws_json_client.h"

namespace kedge::kpl {

inline constexpr size_t kFirehoseMaxRecordsPerBatch = 500;
inline constexpr size_t kFirehoseMaxBatchBytes = 4 * 1024 * 1024;
inline constexpr size_t kFirehoseMaxRecordBytes = 1000 * 1024;

struct PutRecordBatchResult {
  int failed_put_count = 0;
  struct Entry {
    std::string record_id;  // set on success
    std::string error_code;  // ServiceUnavailableException, InternalFailure
    std::string error_message;
    bool ok() const { return error_code.empty(); }
  };
  std::vector<Entry> records;  // same order and size as the request
};

struct FirehoseClientOptions {
  std::string endpoint;
  std::string region;
  std::chrono::milliseconds timeout{30000};
};

class FirehoseClient {
 public:
  using Callback = std::function<void(StatusOr<PutRecordBatchResult>)>;

  FirehoseClient(net::HttpClient& http, aws::CredentialsProvider& credentials, Clock& clock,
                 const FirehoseClientOptions& options);

  void PutRecordBatch(const std::string& delivery_stream, const std::vector<std::string>& records,
                      Callback done);

 private:
  AwsJsonClient rpc_;
};

StatusOr<PutRecordBatchResult> ParsePutRecordBatchResponse(const nlohmann::json& body,
                                                           size_t sent);

}  // namespace kedge::kpl
