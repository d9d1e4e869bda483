#pragma once
// KinesisClient: KinesisApi over the AWS JSON 1.1 protocol, in JSON or CBOR.
// Threading and errors as KinesisApi and AwsJsonClient say. The client is cheap; it borrows the
// HttpClient and the CredentialsProvider, which must outlive it.

#include "kpl/aws_json_client.h"
#include "kpl/kinesis_api.h"

namespace kedge::kpl {

struct KinesisClientOptions {
  std::string endpoint;
  std::string region;
  WireProtocol protocol = WireProtocol::kJson;  // see docs/kinesis_protocol.md
  std::chrono::milliseconds timeout{30000};
};

class KinesisClient final : public KinesisApi {
 public:
  KinesisClient(net::HttpClient& http, aws::CredentialsProvider& credentials, Clock& clock,
                const KinesisClientOptions& options);

  void PutRecords(const std::string& stream, const std::vector<PutRecordsEntry>& entries,
                  Callback<PutRecordsResult> done) override;
  void ListShards(const std::string& stream, Callback<std::vector<Shard>> done) override;
  void DescribeStreamSummary(const std::string& stream, Callback<StreamSummary> done) override;
  void CreateStream(const std::string& stream, int shard_count, Callback<bool> done) override;
  void GetShardIterator(const std::string& stream, const std::string& shard_id,
                        const std::string& type, const std::string& sequence_number,
                        Callback<std::string> done) override;
  void GetRecords(const std::string& shard_iterator, int limit,
                  Callback<GetRecordsResult> done) override;

  uint64_t requests_sent() const { return rpc_.requests_sent(); }

 private:
  void ListShardsPage(const std::string& stream, const std::string& next_token,
                      std::vector<Shard> shards, Callback<std::vector<Shard>> done);

  AwsJsonClient rpc_;
};

// Parsers of response bodies, exposed for tests and fuzzing. They never throw.
StatusOr<PutRecordsResult> ParsePutRecordsResponse(const nlohmann::json& body, size_t sent);
StatusOr<std::vector<Shard>> ParseShards(const nlohmann::json& shards);

}  // namespace kedge::kpl
