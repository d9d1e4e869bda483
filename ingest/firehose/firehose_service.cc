#include "ingest/firehose/firehose_service.h"

#include <algorithm>
#include <cstdio>
#include <regex>

namespace kedge::ingest {
namespace {

using nlohmann::json;

constexpr char kTargetPrefix[] = "Firehose_20150804.";
constexpr size_t kMaxRecords = 500;
constexpr size_t kMaxRecordBytes = 1000 * 1024;
constexpr size_t kMaxBatchBytes = 4 * 1024 * 1024;

ApiError Invalid(std::string message) { return {400, "InvalidArgumentException", std::move(message)}; }

bool ValidName(const std::string& name) {
  static const std::regex kPattern("[a-zA-Z0-9_.-]{1,64}");
  return std::regex_match(name, kPattern) && name != "." && name != "..";
}

}  // namespace

void FirehoseService::Register(Router& router) {
  router.HandleTarget(kTargetPrefix, [this](const HttpRequest& request) {
    std::string_view operation = request.Header("X-Amz-Target").substr(sizeof(kTargetPrefix) - 1);
    return ServeApi(request, [&](const json& input, Wire wire) { return Call(operation, input, wire); });
  });
}

ApiReply FirehoseService::Call(std::string_view operation, const json& input, Wire wire) {
  if (operation == "PutRecordBatch") return Put(input, wire, true);
  if (operation == "PutRecord") return Put(input, wire, false);
  if (operation == "DescribeDeliveryStream") return Describe(input);
  if (operation == "ListDeliveryStreams") return List();
  if (operation == "CreateDeliveryStream") {
    std::string name = input.value("DeliveryStreamName", "");
    if (!ValidName(name)) return Invalid("DeliveryStreamName must match [a-zA-Z0-9_.-]{1,64}");
    Status status = writer_.CreateStream(name);
    if (!status.ok()) return ApiError{500, "ServiceUnavailableException", status.message()};
    return json{{"DeliveryStreamARN", Arn(name)}};
  }
  return ApiError{400, "UnknownOperationException",
                  "kedge-ingest does not implement Firehose " + std::string(operation)};
}

std::string FirehoseService::Arn(const std::string& name) const {
  return "arn:aws:firehose:" + identity_.region + ":" + identity_.account_id + ":deliverystream/" +
         name;
}

ApiReply FirehoseService::Put(const json& input, Wire wire, bool batch) {
  std::string name = input.value("DeliveryStreamName", "");
  if (!ValidName(name)) return Invalid("DeliveryStreamName must match [a-zA-Z0-9_.-]{1,64}");
  std::vector<json> entries;
  if (batch) {
    auto records = input.find("Records");
    if (records == input.end() || !records->is_array() || records->empty() ||
        records->size() > kMaxRecords) {
      return Invalid("Records must hold 1 to 500 records");
    }
    entries.assign(records->begin(), records->end());
  } else {
    if (!input.contains("Record") || !input["Record"].is_object()) return Invalid("Record is required");
    entries.push_back(input["Record"]);
  }
  std::vector<std::string> data;
  size_t total = 0;
  for (const json& entry : entries) {
    StatusOr<std::optional<std::string>> blob = GetBlob(entry, "Data", wire);
    if (!blob.ok() || !*blob) return Invalid("every record needs Data (base64)");
    if ((*blob)->size() > kMaxRecordBytes) {
      return Invalid("a record must not exceed 1,000 KiB, got " + std::to_string((*blob)->size()));
    }
    total += (*blob)->size();
    data.push_back(std::move(**blob));
  }
  if (total > kMaxBatchBytes) return Invalid("a batch must not exceed 4 MiB");
  Status status = writer_.Append(name, data);
  if (!status.ok()) return ApiError{500, "ServiceUnavailableException", status.message()};
  json responses = json::array();
  for (size_t i = 0; i < data.size(); ++i) {
    char id[40];
    std::snprintf(id, sizeof(id), "%032llx", static_cast<unsigned long long>(++record_ids_));
    responses.push_back({{"RecordId", id}});
  }
  if (!batch) return json{{"RecordId", responses[0]["RecordId"]}, {"Encrypted", false}};
  return json{{"FailedPutCount", 0}, {"Encrypted", false}, {"RequestResponses", responses}};
}

ApiReply FirehoseService::Describe(const json& input) {
  std::string name = input.value("DeliveryStreamName", "");
  StatusOr<std::vector<std::string>> streams = writer_.Streams();
  if (!ValidName(name) || !streams.ok() ||
      std::find(streams->begin(), streams->end(), name) == streams->end()) {
    return ApiError{400, "ResourceNotFoundException",
                    "Firehose " + name + " under account " + identity_.account_id + " not found."};
  }
  return json{{"DeliveryStreamDescription",
               {{"DeliveryStreamName", name},
                {"DeliveryStreamARN", Arn(name)},
                {"DeliveryStreamStatus", "ACTIVE"},
                {"DeliveryStreamType", "DirectPut"},
                {"VersionId", "1"},
                {"Destinations", json::array()},
                {"HasMoreDestinations", false}}}};
}

ApiReply FirehoseService::List() {
  StatusOr<std::vector<std::string>> streams = writer_.Streams();
  if (!streams.ok()) return ApiError{500, "ServiceUnavailableException", streams.status().message()};
  std::sort(streams->begin(), streams->end());
  return json{{"DeliveryStreamNames", *streams}, {"HasMoreDeliveryStreams", false}};
}

}  // namespace kedge::ingest
