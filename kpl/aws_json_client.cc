#include "kpl/aws_json_client.h"

#include "platform/aws/errors.h"
#include "platform/aws/sigv4.h"
#include "platform/crypto.h"
#include "platform/logging.h"

namespace kedge::kpl {
namespace {

using nlohmann::json;

constexpr char kJsonType[] = "application/x-amz-json-1.1";
constexpr char kCborType[] = "application/x-amz-cbor-1.1";

// nlohmann's from_cbor throws for some inputs even with allow_exceptions=false (an array
// length past max_size: out_of_range.408); a discarded value stands for every failure.
json FromCbor(const std::string& bytes) {
  try {
    return json::from_cbor(bytes, /*strict=*/true, /*allow_exceptions=*/false,
                           json::cbor_tag_handler_t::ignore);
  } catch (const json::exception&) {
    return json(json::value_t::discarded);
  }
}

}  // namespace

AwsJsonClient::AwsJsonClient(net::HttpClient& http, aws::CredentialsProvider& credentials,
                             Clock& clock, AwsJsonClientOptions options)
    : http_(http), credentials_(credentials), clock_(clock), options_(std::move(options)) {}

json AwsJsonClient::Blob(const std::string& bytes) const {
  if (options_.protocol == WireProtocol::kCbor) {
    return json::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  }
  return Base64Encode(bytes);
}

StatusOr<std::string> AwsJsonClient::BlobValue(const json& value) {
  if (value.is_binary()) {
    const auto& bin = value.get_binary();
    return std::string(bin.begin(), bin.end());
  }
  if (value.is_string()) return Base64Decode(value.get_ref<const std::string&>());
  return InvalidArgumentError("expected a blob (byte string or base64 string)");
}

void AwsJsonClient::Call(const std::string& operation, const json& request,
                         const std::string& what, Callback done) {
  std::string body;
  if (options_.protocol == WireProtocol::kCbor) {
    std::vector<uint8_t> bytes = json::to_cbor(request);
    body.assign(bytes.begin(), bytes.end());
  } else {
    body = request.dump();
  }
  CallEncoded(operation, std::move(body), what, std::move(done));
}

void AwsJsonClient::CallEncoded(const std::string& operation, std::string body,
                                const std::string& what, Callback done) {
  auto credentials = credentials_.GetCredentials();
  if (!credentials.ok()) {
    done(credentials.status().WithContext(what));
    return;
  }
  net::HttpRequest http;
  http.method = "POST";
  http.url = options_.endpoint;
  if (http.url.empty() || http.url.back() != '/') http.url += '/';
  http.timeout = options_.timeout;
  bool cbor = options_.protocol == WireProtocol::kCbor;
  http.body = std::move(body);
  http.headers = {{"Content-Type", cbor ? kCborType : kJsonType},
                  {"X-Amz-Target", options_.target_prefix + "." + operation}};
  aws::SigningParams params;
  params.service = options_.service;
  params.region = options_.region;
  params.time = skew_.Correct(clock_.WallNow());
  Status signed_ok = aws::SignRequest(&http, *credentials, params);
  if (!signed_ok.ok()) {
    done(signed_ok.WithContext(what));
    return;
  }
  ++requests_sent_;
  http_.Start(std::move(http), [this, what, done = std::move(done)](
                                   StatusOr<net::HttpResponse> response) {
    if (!response.ok()) {
      done(response.status().WithContext(what));
      return;
    }
    done(Decode(*response, what));
  });
}

StatusOr<json> AwsJsonClient::Decode(const net::HttpResponse& response, const std::string& what) {
  std::string_view type = response.Header("content-type");
  bool cbor = type.find("cbor") != std::string_view::npos;
  if (response.status != 200) {
    // CBOR error bodies carry the same __type/message fields; read them as JSON text.
    std::string error_body = response.body;
    if (cbor) {
      json decoded = FromCbor(response.body);
      // Replace invalid UTF-8 rather than throw: the bytes come from the network.
      error_body = decoded.is_discarded()
                       ? std::string()
                       : decoded.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    aws::ApiError error =
        aws::ParseJsonError(response.status, error_body, response.Header("x-amzn-errortype"));
    if (aws::IsClockSkewError(error)) {
      (void)skew_.Observe(response.Header("date"), clock_.WallNow());  // logs a change
    }
    return aws::ToStatus(error, what);
  }
  if (response.body.empty()) return json::object();  // CreateStream answers with no body
  json body;
  if (cbor) {
    body = FromCbor(response.body);
  } else {
    body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  }
  if (body.is_discarded()) {
    return InternalError(what + ": the endpoint's answer is not valid " +
                         (cbor ? "CBOR" : "JSON") + " (" +
                         std::to_string(response.body.size()) + " bytes)");
  }
  // Every operation answers with an object; the parsers look members up and would throw on
  // anything else.
  if (!body.is_object()) {
    return InternalError(what + ": the endpoint's answer is not a " + (cbor ? "CBOR" : "JSON") +
                         " object");
  }
  return body;
}

}  // namespace kedge::kpl
