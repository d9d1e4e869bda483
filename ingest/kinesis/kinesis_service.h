#pragma once
// KinesisService: the Kinesis Data Streams API subset of kedge-ingest (X-Amz-Target
// Kinesis_20131202.*, JSON or CBOR): CreateStream, DeleteStream, DescribeStream,
// DescribeStreamSummary, ListShards, ListStreams, PutRecord, PutRecords, GetShardIterator,
// GetRecords, IncreaseStreamRetentionPeriod, DecreaseStreamRetentionPeriod.
// Answers and errors have the service's shapes and limits (500 records / 5 MiB per PutRecords,
// 1 MiB per record, 1..256-character partition keys, iterators valid for 5 minutes).
//
// Threading: Handle() is called concurrently from the server's threads.

#include "ingest/kinesis/kinesis_store.h"
#include "ingest/server/aws_json_protocol.h"
#include "ingest/server/identity.h"
#include "ingest/server/router.h"
#include "platform/clock.h"

namespace kedge::ingest {

class KinesisService {
 public:
  KinesisService(KinesisStore& store, Clock& clock, const ServiceIdentity& identity)
      : store_(store), clock_(clock), identity_(identity) {}

  void Register(Router& router);
  // `operation` is the part after "Kinesis_20131202.".
  ApiReply Call(std::string_view operation, const nlohmann::json& input, Wire wire);

 private:
  ApiReply CreateStream(const nlohmann::json& input);
  ApiReply DeleteStream(const nlohmann::json& input);
  ApiReply DescribeStream(const nlohmann::json& input, Wire wire, bool summary);
  ApiReply ListShards(const nlohmann::json& input);
  ApiReply ListStreams(const nlohmann::json& input, Wire wire);
  ApiReply PutRecord(const nlohmann::json& input, Wire wire);
  ApiReply PutRecords(const nlohmann::json& input, Wire wire);
  ApiReply GetShardIterator(const nlohmann::json& input);
  ApiReply GetRecords(const nlohmann::json& input, Wire wire);
  ApiReply ChangeRetention(const nlohmann::json& input, bool increase);

  // The stream named by StreamName or StreamARN.
  StatusOr<KdsStream> FindStream(const nlohmann::json& input);
  std::string Arn(const std::string& stream) const;
  nlohmann::json ShardJson(const KdsShard& shard) const;

  KinesisStore& store_;
  Clock& clock_;
  const ServiceIdentity& identity_;  // owned by IngestServer
};

}  // namespace kedge::ingest
