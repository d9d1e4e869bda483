#pragma once
// KvsControlPlane: the Kinesis Video Streams control plane of kedge-ingest (REST JSON, POST):
// /createStream, /describeStream, /listStreams, /deleteStream, /updateDataRetention,
// /tagStream, /untagStream, /listTagsForStream, /getDataEndpoint (this server's public URL).
// Errors have the service's names and statuses: ResourceNotFoundException 404,
// ResourceInUseException, InvalidArgumentException, VersionMismatchException,
// TagsPerResourceExceededLimitException 400.
//
// Threading: called concurrently from the server's threads.

#include "ingest/kvs/fragment_files.h"
#include "ingest/kvs/kvs_store.h"
#include "ingest/server/aws_json_protocol.h"
#include "ingest/server/identity.h"
#include "ingest/server/router.h"

namespace kedge::ingest {

class KvsControlPlane {
 public:
  KvsControlPlane(KvsStore& store, FragmentFiles& files, const ServiceIdentity& identity)
      : store_(store), files_(files), identity_(identity) {}

  void Register(Router& router);

  // The stream named by StreamName or StreamARN in a request body.
  static StatusOr<KvsStream> FindStream(KvsStore& store, const nlohmann::json& input);
  // NotFound -> ResourceNotFoundException 404, AlreadyExists -> ResourceInUseException,
  // InvalidArgument -> InvalidArgumentException, FailedPrecondition -> VersionMismatchException.
  static ApiError ErrorFor(const Status& status);
  static nlohmann::json StreamInfo(const KvsStream& stream);

 private:
  ApiReply CreateStream(const nlohmann::json& input);
  ApiReply DescribeStream(const nlohmann::json& input);
  ApiReply ListStreams(const nlohmann::json& input);
  ApiReply DeleteStream(const nlohmann::json& input);
  ApiReply UpdateDataRetention(const nlohmann::json& input);
  ApiReply TagStream(const nlohmann::json& input);
  ApiReply UntagStream(const nlohmann::json& input);
  ApiReply ListTagsForStream(const nlohmann::json& input);
  ApiReply GetDataEndpoint(const nlohmann::json& input);

  KvsStore& store_;
  FragmentFiles& files_;
  const ServiceIdentity& identity_;  // owned by IngestServer
};

}  // namespace kedge::ingest
