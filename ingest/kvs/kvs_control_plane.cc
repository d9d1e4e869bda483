#include "ingest/kvs/kvs_control_plane.h"

#include <algorithm>
#include <regex>

namespace kedge::ingest {
namespace {

using nlohmann::json;

constexpr size_t kMaxTags = 50;

ApiError Invalid(std::string message) { return {400, "InvalidArgumentException", std::move(message)}; }

bool ValidName(const std::string& name) {
  static const std::regex kPattern("[a-zA-Z0-9_.-]{1,256}");
  return std::regex_match(name, kPattern);
}

// Tags as {"key": "value"} with the service's limits.
StatusOr<std::map<std::string, std::string>> ParseTags(const json& input) {
  std::map<std::string, std::string> tags;
  auto it = input.find("Tags");
  if (it == input.end() || it->is_null()) return tags;
  if (!it->is_object()) return InvalidArgumentError("Tags must be a map of strings");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string() || key.empty() || key.size() > 128 || value.get<std::string>().size() > 256) {
      return InvalidArgumentError("tag keys must be 1-128 characters, values strings up to 256");
    }
    tags[key] = value.get<std::string>();
  }
  return tags;
}

}  // namespace

void KvsControlPlane::Register(Router& router) {
  auto add = [&](const char* path, ApiReply (KvsControlPlane::*method)(const json&)) {
    router.Handle("POST", path, [this, method](const HttpRequest& request) {
      return ServeRestJson(request, [&](const json& input) { return (this->*method)(input); });
    });
  };
  add("/createStream", &KvsControlPlane::CreateStream);
  add("/describeStream", &KvsControlPlane::DescribeStream);
  add("/listStreams", &KvsControlPlane::ListStreams);
  add("/deleteStream", &KvsControlPlane::DeleteStream);
  add("/updateDataRetention", &KvsControlPlane::UpdateDataRetention);
  add("/tagStream", &KvsControlPlane::TagStream);
  add("/untagStream", &KvsControlPlane::UntagStream);
  add("/listTagsForStream", &KvsControlPlane::ListTagsForStream);
  add("/getDataEndpoint", &KvsControlPlane::GetDataEndpoint);
}

ApiError KvsControlPlane::ErrorFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return {404, "ResourceNotFoundException", status.message()};
    case StatusCode::kAlreadyExists:
      return {400, "ResourceInUseException", status.message()};
    case StatusCode::kInvalidArgument:
      return Invalid(status.message());
    case StatusCode::kFailedPrecondition:
      return {400, "VersionMismatchException", status.message()};
    default:
      return {500, "ClientLimitExceededException", status.message()};
  }
}

StatusOr<KvsStream> KvsControlPlane::FindStream(KvsStore& store, const json& input) {
  KEDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, GetString(input, "StreamName"));
  KEDGE_ASSIGN_OR_RETURN(std::optional<std::string> arn, GetString(input, "StreamARN"));
  if (name && arn) return InvalidArgumentError("give StreamName or StreamARN, not both");
  if (name) return store.GetStream(*name);
  if (arn) return store.GetStreamByArn(*arn);
  return InvalidArgumentError("StreamName or StreamARN is required");
}

json KvsControlPlane::StreamInfo(const KvsStream& s) {
  json info = {{"StreamName", s.name},
               {"StreamARN", s.arn},
               {"MediaType", s.media_type},
               {"Status", "ACTIVE"},
               {"Version", std::to_string(s.version)},
               {"CreationTime", static_cast<double>(s.created_ms) / 1000.0},
               {"DataRetentionInHours", s.retention_hours}};
  if (!s.device_name.empty()) info["DeviceName"] = s.device_name;
  if (!s.kms_key_id.empty()) info["KmsKeyId"] = s.kms_key_id;
  return info;
}

ApiReply KvsControlPlane::CreateStream(const json& input) {
  KvsStream stream;
  stream.name = input.value("StreamName", "");
  if (!ValidName(stream.name)) {
    return Invalid("StreamName must be 1-256 characters of [a-zA-Z0-9_.-]");
  }
  stream.device_name = input.value("DeviceName", "");
  stream.media_type = input.value("MediaType", "");
  stream.kms_key_id = input.value("KmsKeyId", "");
  stream.retention_hours = input.value("DataRetentionInHours", 0);
  if (stream.retention_hours < 0) return Invalid("DataRetentionInHours must not be negative");
  StatusOr<std::map<std::string, std::string>> tags = ParseTags(input);
  if (!tags.ok()) return Invalid(tags.status().message());
  if (tags->size() > kMaxTags) {
    return ApiError{400, "TagsPerResourceExceededLimitException", "at most 50 tags per stream"};
  }
  StatusOr<KvsStream> created =
      store_.CreateStream(stream, identity_.region, identity_.account_id, *tags);
  if (!created.ok()) return ErrorFor(created.status());
  return json{{"StreamARN", created->arn}};
}

ApiReply KvsControlPlane::DescribeStream(const json& input) {
  StatusOr<KvsStream> stream = FindStream(store_, input);
  if (!stream.ok()) return ErrorFor(stream.status());
  return json{{"StreamInfo", StreamInfo(*stream)}};
}

ApiReply KvsControlPlane::ListStreams(const json& input) {
  StatusOr<std::vector<KvsStream>> streams = store_.ListStreams();
  if (!streams.ok()) return ErrorFor(streams.status());
  std::string prefix;
  if (input.contains("StreamNameCondition") && input["StreamNameCondition"].is_object()) {
    prefix = input["StreamNameCondition"].value("ComparisonValue", "");
  }
  size_t limit = input.value("MaxResults", 10000);
  std::string after = input.value("NextToken", "");
  json list = json::array();
  json reply = json::object();
  for (const KvsStream& stream : *streams) {
    if (stream.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!after.empty() && stream.name <= after) continue;
    if (list.size() >= limit) {
      reply["NextToken"] = list.back()["StreamName"];
      break;
    }
    list.push_back(StreamInfo(stream));
  }
  reply["StreamInfoList"] = list;
  return reply;
}

ApiReply KvsControlPlane::DeleteStream(const json& input) {
  StatusOr<KvsStream> stream = FindStream(store_, input);
  if (!stream.ok()) return ErrorFor(stream.status());
  std::string version = input.value("CurrentVersion", "");
  if (!version.empty() && version != std::to_string(stream->version)) {
    return ApiError{400, "VersionMismatchException",
                    "The stream version " + version + " does not match the current version."};
  }
  StatusOr<std::vector<std::string>> paths = store_.DeleteStream(stream->id);
  if (!paths.ok()) return ErrorFor(paths.status());
  files_.RemoveStream(stream->id).IgnoreError();  // the index no longer points at them
  return json::object();
}

ApiReply KvsControlPlane::UpdateDataRetention(const json& input) {
  StatusOr<KvsStream> stream = FindStream(store_, input);
  if (!stream.ok()) return ErrorFor(stream.status());
  std::string operation = input.value("Operation", "");
  int change = input.value("DataRetentionChangeInHours", 0);
  if (change < 1) return Invalid("DataRetentionChangeInHours must be at least 1");
  int hours = stream->retention_hours;
  if (operation == "INCREASE_DATA_RETENTION") {
    hours += change;
  } else if (operation == "DECREASE_DATA_RETENTION") {
    hours -= change;
    if (hours < 0) return Invalid("the retention cannot go below 0 hours");
  } else {
    return Invalid("Operation must be INCREASE_DATA_RETENTION or DECREASE_DATA_RETENTION");
  }
  std::string version = input.value("CurrentVersion", "");
  std::optional<int64_t> expected;
  if (!version.empty()) {
    if (version.find_first_not_of("0123456789") != std::string::npos || version.size() > 18) {
      return ApiError{400, "VersionMismatchException", "CurrentVersion " + version + " is not current"};
    }
    expected = std::stoll(version);
  }
  Status status = store_.UpdateRetention(stream->id, hours, expected);
  if (!status.ok()) return ErrorFor(status);
  return json::object();
}

ApiReply KvsControlPlane::TagStream(const json& input) {
  StatusOr<KvsStream> stream = FindStream(store_, input);
  if (!stream.ok()) return ErrorFor(stream.status());
  StatusOr<std::map<std::string, std::string>> tags = ParseTags(input);
  if (!tags.ok()) return Invalid(tags.status().message());
  StatusOr<std::map<std::string, std::string>> existing = store_.Tags(stream->id);
  if (!existing.ok()) return ErrorFor(existing.status());
  std::map<std::string, std::string> merged = *existing;
  for (const auto& [k, v] : *tags) merged[k] = v;
  if (merged.size() > kMaxTags) {
    return ApiError{400, "TagsPerResourceExceededLimitException", "at most 50 tags per stream"};
  }
  Status status = store_.SetTags(stream->id, *tags);
  if (!status.ok()) return ErrorFor(status);
  return json::object();
}

ApiReply KvsControlPlane::UntagStream(const json& input) {
  StatusOr<KvsStream> stream = FindStream(store_, input);
  if (!stream.ok()) return ErrorFor(stream.status());
  std::vector<std::string> keys;
  if (input.contains("TagKeyList") && input["TagKeyList"].is_array()) {
    for (const json& key : input["TagKeyList"]) {
      if (key.is_string()) keys.push_back(key.get<std::string>());
    }
  }
  Status status = store_.RemoveTags(stream->id, keys);
  if (!status.ok()) return ErrorFor(status);
  return json::object();
}

ApiReply KvsControlPlane::ListTagsForStream(const json& input) {
  StatusOr<KvsStream> stream = FindStream(store_, input);
  if (!stream.ok()) return ErrorFor(stream.status());
  StatusOr<std::map<std::string, std::string>> tags = store_.Tags(stream->id);
  if (!tags.ok()) return ErrorFor(tags.status());
  return json{{"Tags", *tags}};
}

ApiReply KvsControlPlane::GetDataEndpoint(const json& input) {
  StatusOr<KvsStream> stream = FindStream(store_, input);
  if (!stream.ok()) return ErrorFor(stream.status());
  static const std::vector<std::string> kApis = {
      "PUT_MEDIA",   "GET_MEDIA", "LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST",
      "GET_HLS_STREAMING_SESSION_URL", "GET_DASH_STREAMING_SESSION_URL", "GET_CLIP",
      "GET_IMAGES"};
  std::string api = input.value("APIName", "");
  if (std::find(kApis.begin(), kApis.end(), api) == kApis.end()) {
    return Invalid("APIName '" + api + "' is not a Kinesis Video Streams data API");
  }
  return json{{"DataEndpoint", identity_.public_url}};
}

}  // namespace kedge::ingest
