#include "video/kvs/kvs_control_plane.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "platform/aws/errors.h"
#include "platform/aws/sigv4.h"

namespace kedge::video::kvs {
namespace {

using Json = nlohmann::json;

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

StatusOr<Json> ParseObject(const std::string& body, const std::string& what) {
  if (body.empty()) return Json::object();
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return InternalError(what + ": the endpoint's answer is not a JSON object (" +
                         std::to_string(body.size()) + " bytes)");
  }
  return json;
}

std::string Field(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string FormatProducerStartTimestamp(int64_t ms) {
  char text[40];
  std::snprintf(text, sizeof(text), "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return text;
}

KvsControlPlane::KvsControlPlane(net::HttpClient& http, aws::CredentialsProvider& credentials,
                                 Clock& clock, Options options)
    : http_(http), credentials_(credentials), clock_(clock), options_(std::move(options)) {
  options_.endpoint = TrimSlash(options_.endpoint);
}

void KvsControlPlane::Call(const std::string& path, const std::string& body,
                           const std::string& what,
                           std::function<void(StatusOr<std::string>)> done) {
  StatusOr<aws::Credentials> credentials = credentials_.GetCredentials();
  if (!credentials.ok()) return done(credentials.status().WithContext(what));
  net::HttpRequest request;
  request.method = "POST";
  request.url = options_.endpoint + path;
  request.body = body;
  request.timeout = options_.timeout;
  request.headers = {{"Content-Type", "application/json"}};
  aws::SigningParams params;
  params.service = "kinesisvideo";
  params.region = options_.region;
  params.time = SigningTime();
  Status signed_ok = aws::SignRequest(&request, *credentials, params);
  if (!signed_ok.ok()) return done(signed_ok.WithContext(what));
  http_.Start(std::move(request), [this, alive = alive_, what, done = std::move(done)](
                                      StatusOr<net::HttpResponse> response) {
    if (!*alive) return;
    if (!response.ok()) return done(response.status().WithContext(what));
    if (response->status / 100 != 2) {
      aws::ApiError error = aws::ParseJsonError(response->status, response->body,
                                                response->Header("x-amzn-errortype"));
      if (aws::IsClockSkewError(error)) {
        (void)skew_.Observe(response->Header("date"), clock_.WallNow());
      }
      if (aws::Classify(error) == aws::ErrorClass::kExpired) credentials_.Invalidate();
      return done(aws::ToStatus(error, what));
    }
    done(std::move(response->body));
  });
}

void KvsControlPlane::DescribeStream(const std::string& stream_name,
                                     std::function<void(StatusOr<StreamDescription>)> done) {
  std::string what = "DescribeStream of stream " + stream_name;
  Json request = {{"StreamName", stream_name}};
  Call("/describeStream", request.dump(), what,
       [what, done = std::move(done)](StatusOr<std::string> body) {
         if (!body.ok()) return done(body.status());
         StatusOr<Json> json = ParseObject(*body, what);
         if (!json.ok()) return done(json.status());
         auto info = json->find("StreamInfo");
         if (info == json->end() || !info->is_object()) {
           return done(InternalError(what + ": the answer has no StreamInfo"));
         }
         StreamDescription d;
         d.name = Field(*info, "StreamName");
         d.arn = Field(*info, "StreamARN");
         d.status = Field(*info, "Status");
         d.media_type = Field(*info, "MediaType");
         auto hours = info->find("DataRetentionInHours");
         if (hours != info->end() && hours->is_number_integer()) {
           d.retention_hours = hours->get<int>();
         }
         done(std::move(d));
       });
}

void KvsControlPlane::CreateStream(const CreateStreamRequest& request,
                                   std::function<void(StatusOr<std::string>)> done) {
  std::string what = "CreateStream of stream " + request.stream_name;
  Json body = {{"StreamName", request.stream_name},
               {"DeviceName", request.device_name},
               {"MediaType", request.media_type},
               {"DataRetentionInHours", request.retention_hours}};
  Call("/createStream", body.dump(), what,
       [what, done = std::move(done)](StatusOr<std::string> answer) {
         if (!answer.ok()) return done(answer.status());
         StatusOr<Json> json = ParseObject(*answer, what);
         if (!json.ok()) return done(json.status());
         done(Field(*json, "StreamARN"));
       });
}

void KvsControlPlane::GetDataEndpoint(const std::string& stream_name, const std::string& api_name,
                                      std::function<void(StatusOr<std::string>)> done) {
  std::string what = "GetDataEndpoint of stream " + stream_name;
  Json body = {{"StreamName", stream_name}, {"APIName", api_name}};
  Call("/getDataEndpoint", body.dump(), what,
       [what, done = std::move(done)](StatusOr<std::string> answer) {
         if (!answer.ok()) return done(answer.status());
         StatusOr<Json> json = ParseObject(*answer, what);
         if (!json.ok()) return done(json.status());
         std::string endpoint = TrimSlash(Field(*json, "DataEndpoint"));
         if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
           return done(InternalError(what + ": DataEndpoint '" + endpoint +
                                     "' is not an http(s) URL"));
         }
         done(std::move(endpoint));
       });
}

StatusOr<net::HttpRequest> KvsControlPlane::PutMediaRequest(const std::string& data_endpoint,
                                                            const std::string& stream_name,
                                                            int64_t start_ms) {
  std::string what = "PutMedia to stream " + stream_name;
  StatusOr<aws::Credentials> credentials = credentials_.GetCredentials();
  if (!credentials.ok()) return credentials.status().WithContext(what);
  net::HttpRequest request;
  request.method = "POST";
  request.url = TrimSlash(data_endpoint) + "/putMedia";
  request.timeout = Millis(0);  // an upload that lasts as long as the session
  request.headers = {{"Content-Type", "application/json"},
                     {"Transfer-Encoding", "chunked"},
                     {"x-amzn-stream-name", stream_name},
                     {"x-amzn-fragment-timecode-type", "ABSOLUTE"},
                     {"x-amzn-producer-start-timestamp", FormatProducerStartTimestamp(start_ms)},
                     {"x-amzn-fragment-acknowledgment-required", "1"}};
  aws::SigningParams params;
  params.service = "kinesisvideo";
  params.region = options_.region;
  params.time = SigningTime();
  KEDGE_RETURN_IF_ERROR(aws::SignRequest(&request, *credentials, params, aws::kEmptyPayloadSha256)
                            .WithContext(what));
  return request;
}

}  // namespace kedge::video::kvs
