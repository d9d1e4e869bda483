#pragma once
// AwsJsonClient: the AWS JSON 1.1 RPC protocol that Kinesis Data Streams and Firehose speak —
// `POST /` with `X-Amz-Target: <prefix>.<Operation>`, signed with SigV4 — in JSON
// (application/x-amz-json-1.1) or CBOR (application/x-amz-cbor-1.1). In CBOR, blobs travel as
// byte strings: callers put blobs into requests with Blob() and read them with BlobValue(),
// which work the same in both encodings.
//
// Threading: Call() and its callback run on the owner thread of the HttpClient.
// Errors: transport failures as the HttpClient reports them; AWS errors as aws::ToStatus
// ("PutRecords to stream foo: ResourceNotFoundException: ..."). A response that is not valid
// JSON/CBOR is Internal, naming the operation.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "kpl/kinesis_api.h"
#include "platform/aws/clock_skew.h"
#include "platform/aws/credentials.h"
#include "platform/clock.h"
#include "platform/net/http_client.h"

namespace kedge::kpl {

struct AwsJsonClientOptions {
  std::string endpoint;        // "https://kinesis.us-east-1.amazonaws.com"
  std::string region;          // "us-east-1"
  std::string service;         // signing name: "kinesis", "firehose"
  std::string target_prefix;   // "Kinesis_20131202", "Firehose_20150804"
  WireProtocol protocol = WireProtocol::kJson;
  std::chrono::milliseconds timeout{30000};
};

class AwsJsonClient {
 public:
  using Callback = std::function<void(StatusOr<nlohmann::json>)>;

  AwsJsonClient(net::HttpClient& http, aws::CredentialsProvider& credentials, Clock& clock,
                AwsJsonClientOptions options);

  // Sends `operation` with `request` as its body. `what` names the call in error messages
  // ("PutRecords to stream edge-logs").
  void Call(const std::string& operation, const nlohmann::json& request, const std::string& what,
            Callback done);
  // The same with the body already encoded in options().protocol (hot paths that write their
  // JSON text directly rather than through a json tree).
  void CallEncoded(const std::string& operation, std::string body, const std::string& what,
                   Callback done);

  // A blob field value for a request in this client's encoding.
  nlohmann::json Blob(const std::string& bytes) const;
  // Reads a blob field of a response (base64 string in JSON, byte string in CBOR).
  static StatusOr<std::string> BlobValue(const nlohmann::json& value);

  // Requests sent, for summaries.
  uint64_t requests_sent() const { return requests_sent_; }
  const AwsJsonClientOptions& options() const { return options_; }

  // Server time minus local time, learned from the Date header of a RequestExpired / signature
  // expiry answer, and applied to later signatures (devices without NTP drift).
  std::chrono::seconds clock_offset() const { return skew_.offset(); }

 private:
  StatusOr<nlohmann::json> Decode(const net::HttpResponse& response, const std::string& what);

  net::HttpClient& http_;
  aws::CredentialsProvider& credentials_;
  Clock& clock_;
  AwsJsonClientOptions options_;
  uint64_t requests_sent_ = 0;
  aws::ClockSkew skew_;
};

}  // namespace kedge::kpl
