#pragma once
// FirehoseService: the Amazon Data Firehose subset of kedge-ingest (X-Amz-Target
// Firehose_20150804.*): PutRecord and PutRecordBatch write into DeliveryWriter files;
// CreateDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams answer for the streams that
// have files. Putting to a stream that does not exist creates it, so whatever the agent sends
// has a home. Limits as the service: 500 records, 1,000 KiB each, 4 MiB per batch.
//
// Threading: called concurrently from the server's threads.

#include "ingest/firehose/delivery_writer.h"
#include "ingest/server/aws_json_protocol.h"
#include "ingest/server/identity.h"
#include "ingest/server/router.h"

namespace kedge::ingest {

class FirehoseService {
 public:
  FirehoseService(DeliveryWriter& writer, Clock& clock, const ServiceIdentity& identity)
      : writer_(writer), clock_(clock), identity_(identity) {}

  void Register(Router& router);
  ApiReply Call(std::string_view operation, const nlohmann::json& input, Wire wire);

 private:
  ApiReply Put(const nlohmann::json& input, Wire wire, bool batch);
  ApiReply Describe(const nlohmann::json& input);
  ApiReply List();
  std::string Arn(const std::string& name) const;

  DeliveryWriter& writer_;
  Clock& clock_;
  const ServiceIdentity& identity_;  // owned by IngestServer
  std::atomic<uint64_t> record_ids_{0};
};

}  // namespace kedge::ingest
