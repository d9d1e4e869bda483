#include "ingest/kinesis/kinesis_service.h"

#include <regex>

#include "ingest/kinesis/kinesis_errors.h"
#include "platform/crypto.h"

namespace kedge::ingest {
namespace {

using kinesis_internal::FromStatus;
using kinesis_internal::Invalid;
using kinesis_internal::Validation;

using nlohmann::json;

constexpr char kTargetPrefix[] = "Kinesis_20131202.";
constexpr int kMaxShards = 1024;

bool ValidStreamName(const std::string& name) {
  static const std::regex kPattern("[a-zA-Z0-9_.-]{1,128}");
  return std::regex_match(name, kPattern);
}

}  // namespace

void KinesisService::Register(Router& router) {
  router.HandleTarget(kTargetPrefix, [this](const HttpRequest& request) {
    std::string_view target = request.Header("X-Amz-Target");
    std::string_view operation = target.substr(sizeof(kTargetPrefix) - 1);
    return ServeApi(request, [&](const json& input, Wire wire) {
      return Call(operation, input, wire);
    });
  });
}

ApiReply KinesisService::Call(std::string_view operation, const json& input, Wire wire) {
  if (operation == "PutRecords") return PutRecords(input, wire);
  if (operation == "PutRecord") return PutRecord(input, wire);
  if (operation == "GetRecords") return GetRecords(input, wire);
  if (operation == "GetShardIterator") return GetShardIterator(input);
  if (operation == "ListShards") return ListShards(input);
  if (operation == "DescribeStream") return DescribeStream(input, wire, false);
  if (operation == "DescribeStreamSummary") return DescribeStream(input, wire, true);
  if (operation == "ListStreams") return ListStreams(input, wire);
  if (operation == "CreateStream") return CreateStream(input);
  if (operation == "DeleteStream") return DeleteStream(input);
  if (operation == "IncreaseStreamRetentionPeriod") return ChangeRetention(input, true);
  if (operation == "DecreaseStreamRetentionPeriod") return ChangeRetention(input, false);
  return ApiError{400, "UnknownOperationException",
                  "kedge-ingest does not implement Kinesis " + std::string(operation)};
}

std::string KinesisService::Arn(const std::string& stream) const {
  return "arn:aws:kinesis:" + identity_.region + ":" + identity_.account_id + ":stream/" + stream;
}

StatusOr<KdsStream> KinesisService::FindStream(const json& input) {
  KEDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, GetString(input, "StreamName"));
  KEDGE_ASSIGN_OR_RETURN(std::optional<std::string> arn, GetString(input, "StreamARN"));
  if (!name && arn) {
    size_t slash = arn->rfind(":stream/");
    if (slash == std::string::npos) return InvalidArgumentError("StreamARN " + *arn + " is malformed");
    name = arn->substr(slash + 8);
  }
  if (!name) return InvalidArgumentError("StreamName or StreamARN is required");
  StatusOr<KdsStream> stream = store_.GetStream(*name);
  if (!stream.ok() && stream.status().code() == StatusCode::kNotFound) {
    return NotFoundError("Stream " + *name + " under account " + identity_.account_id +
                         " not found.");
  }
  return stream;
}

json KinesisService::ShardJson(const KdsShard& shard) const {
  return {{"ShardId", shard.Id()},
          {"HashKeyRange",
           {{"StartingHashKey", shard.start.ToDecimal()}, {"EndingHashKey", shard.end.ToDecimal()}}},
          {"SequenceNumberRange",
           {{"StartingSequenceNumber", FormatSequenceNumber(shard.first_sequence)}}}};
}

ApiReply KinesisService::CreateStream(const json& input) {
  StatusOr<std::optional<std::string>> name = GetString(input, "StreamName");
  StatusOr<std::optional<int64_t>> count = GetInt(input, "ShardCount");
  if (!name.ok() || !count.ok()) return Validation("StreamName must be a string, ShardCount an integer");
  if (!*name) return Validation("1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null");
  if (!ValidStreamName(**name)) {
    return Validation("StreamName '" + **name + "' must match [a-zA-Z0-9_.-]+ and be 1-128 long");
  }
  std::string mode = "PROVISIONED";
  if (input.contains("StreamModeDetails") && input["StreamModeDetails"].is_object()) {
    mode = input["StreamModeDetails"].value("StreamMode", mode);
  }
  int64_t shards = count->value_or(mode == "ON_DEMAND" ? 4 : 1);
  if (shards < 1 || shards > kMaxShards) {
    return Invalid("ShardCount must be between 1 and " + std::to_string(kMaxShards));
  }
  Status status = store_.CreateStream(**name, static_cast<int>(shards), mode);
  if (status.code() == StatusCode::kAlreadyExists) {
    return ApiError{400, "ResourceInUseException",
                    "Stream " + **name + " under account " + identity_.account_id + " already exists."};
  }
  if (!status.ok()) return FromStatus(status);
  return json::object();
}

ApiReply KinesisService::DeleteStream(const json& input) {
  StatusOr<KdsStream> stream = FindStream(input);
  if (!stream.ok()) return FromStatus(stream.status());
  Status status = store_.DeleteStream(stream->name);
  if (!status.ok()) return FromStatus(status);
  return json::object();
}

ApiReply KinesisService::DescribeStream(const json& input, Wire wire, bool summary) {
  StatusOr<KdsStream> stream = FindStream(input);
  if (!stream.ok()) return FromStatus(stream.status());
  json description = {{"StreamName", stream->name},
                      {"StreamARN", Arn(stream->name)},
                      {"StreamStatus", "ACTIVE"},
                      {"StreamModeDetails", {{"StreamMode", stream->mode}}},
                      {"RetentionPeriodHours", stream->retention_hours},
                      {"StreamCreationTimestamp", MakeTimestamp(stream->created_ms, wire)},
                      {"EnhancedMonitoring", json::array({{{"ShardLevelMetrics", json::array()}}})},
                      {"EncryptionType", "NONE"}};
  if (summary) {
    description["OpenShardCount"] = stream->shards.size();
    description["ConsumerCount"] = 0;
    return json{{"StreamDescriptionSummary", description}};
  }
  std::string start_after = input.value("ExclusiveStartShardId", "");
  size_t limit = input.value("Limit", 100);
  json shards = json::array();
  bool more = false;
  for (const KdsShard& shard : stream->shards) {
    if (!start_after.empty() && shard.Id() <= start_after) continue;
    if (shards.size() >= limit) {
      more = true;
      break;
    }
    shards.push_back(ShardJson(shard));
  }
  description["Shards"] = shards;
  description["HasMoreShards"] = more;
  return json{{"StreamDescription", description}};
}

ApiReply KinesisService::ListShards(const json& input) {
  json request = input;
  std::string start_after = input.value("ExclusiveStartShardId", "");
  if (input.contains("NextToken") && input["NextToken"].is_string()) {
    StatusOr<std::string> token = Base64Decode(input["NextToken"].get<std::string>());
    size_t bar = token.ok() ? token->find('|') : std::string::npos;
    if (bar == std::string::npos) return Invalid("NextToken is malformed");
    request["StreamName"] = token->substr(0, bar);
    start_after = token->substr(bar + 1);
  }
  StatusOr<KdsStream> stream = FindStream(request);
  if (!stream.ok()) return FromStatus(stream.status());
  size_t limit = input.value("MaxResults", 1000);
  if (limit < 1 || limit > 10000) return Invalid("MaxResults must be between 1 and 10000");
  json shards = json::array();
  json reply = json::object();
  for (const KdsShard& shard : stream->shards) {
    if (!start_after.empty() && shard.Id() <= start_after) continue;
    if (shards.size() >= limit) {
      reply["NextToken"] = Base64Encode(stream->name + "|" + shards.back()["ShardId"].get<std::string>());
      break;
    }
    shards.push_back(ShardJson(shard));
  }
  reply["Shards"] = shards;
  return reply;
}

ApiReply KinesisService::ListStreams(const json& input, Wire wire) {
  StatusOr<std::vector<KdsStream>> streams = store_.ListStreams();
  if (!streams.ok()) return FromStatus(streams.status());
  std::string start_after = input.value("ExclusiveStartStreamName", "");
  size_t limit = input.value("Limit", 100);
  json names = json::array();
  json summaries = json::array();
  bool more = false;
  for (const KdsStream& stream : *streams) {
    if (!start_after.empty() && stream.name <= start_after) continue;
    if (names.size() >= limit) {
      more = true;
      break;
    }
    names.push_back(stream.name);
    summaries.push_back({{"StreamName", stream.name},
                         {"StreamARN", Arn(stream.name)},
                         {"StreamStatus", "ACTIVE"},
                         {"StreamModeDetails", {{"StreamMode", stream.mode}}},
                         {"StreamCreationTimestamp", MakeTimestamp(stream.created_ms, wire)}});
  }
  return json{{"StreamNames", names}, {"HasMoreStreams", more}, {"StreamSummaries", summaries}};
}

ApiReply KinesisService::ChangeRetention(const json& input, bool increase) {
  StatusOr<KdsStream> stream = FindStream(input);
  if (!stream.ok()) return FromStatus(stream.status());
  int hours = input.value("RetentionPeriodHours", 0);
  if (hours < 24 || hours > 8760) return Invalid("RetentionPeriodHours must be between 24 and 8760");
  if (increase ? hours < stream->retention_hours : hours > stream->retention_hours) {
    return Invalid("RetentionPeriodHours " + std::to_string(hours) + " would " +
                   (increase ? "decrease" : "increase") + " the retention period");
  }
  Status status = store_.SetRetention(stream->name, hours);
  if (!status.ok()) return FromStatus(status);
  return json::object();
}

}  // namespace kedge::ingest
