#include "kpl/firehose_client.h"

namespace kedge::kpl {

using nlohmann::json;

FirehoseClient::FirehoseClient(net::HttpClient& http, aws::CredentialsProvider& credentials,
                               Clock& clock, const FirehoseClientOptions& options)
    : rpc_(http, credentials, clock,
           AwsJsonClientOptions{options.endpoint, options.region, "firehose", "Firehose_20150804",
                                WireProtocol::kJson, options.timeout}) {}

StatusOr<PutRecordBatchResult> ParsePutRecordBatchResponse(const json& body, size_t sent) {
  auto responses = body.is_object() ? body.find("RequestResponses") : body.end();
  if (!body.is_object() || responses == body.end() || !responses->is_array() ||
      responses->size() != sent) {
    return InternalError(
        "PutRecordBatch: malformed answer from the endpoint: RequestResponses missing or of the "
        "wrong length");
  }
  PutRecordBatchResult result;
  auto failed = body.find("FailedPutCount");
  // Only an integer: a float out of int's range would be undefined behaviour to convert.
  if (failed != body.end() && failed->is_number_integer()) {
    result.failed_put_count = static_cast<int>(failed->get<int64_t>());
  }
  for (const json& r : *responses) {
    PutRecordBatchResult::Entry e;
    if (r.is_object()) {
      // value() would throw on a member of another type.
      auto text = [&r](const char* key) {
        auto it = r.find(key);
        return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      e.record_id = text("RecordId");
      e.error_code = text("ErrorCode");
      e.error_message = text("ErrorMessage");
    }
    if (e.record_id.empty() && e.error_code.empty()) e.error_code = "InternalFailure";
    result.records.push_back(std::move(e));
  }
  return result;
}

void FirehoseClient::PutRecordBatch(const std::string& delivery_stream,
                                    const std::vector<std::string>& records, Callback done) {
  json entries = json::array();
  for (const std::string& r : records) entries.push_back({{"Data", rpc_.Blob(r)}});
  json request = {{"DeliveryStreamName", delivery_stream}, {"Records", std::move(entries)}};
  size_t sent = records.size();
  rpc_.Call("PutRecordBatch", request, "PutRecordBatch to delivery stream " + delivery_stream,
            [sent, done = std::move(done)](StatusOr<json> body) {
              if (!body.ok()) return done(body.status());
              done(ParsePutRecordBatchResponse(*body, sent));
            });
}

}  // namespace kedge::kpl
