#include "ingest/server/aws_errors.h"

#include <nlohmann/json.hpp>

namespace kedge::ingest {

ErrorStyle ErrorStyleOf(const HttpRequest& request) {
  if (request.Header("X-Amz-Target").empty()) return ErrorStyle::kRest;
  if (request.Header("Content-Type").find("cbor") != std::string_view::npos) {
    return ErrorStyle::kCbor11;
  }
  return ErrorStyle::kJson11;
}

HttpResponse AwsError(ErrorStyle style, int http_status, std::string_view code,
                      std::string_view message) {
  nlohmann::json body;
  HttpResponse response;
  response.status = http_status;
  if (style == ErrorStyle::kRest) {
    body["Message"] = message;
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    body["__type"] = code;
    body["message"] = message;
    if (style == ErrorStyle::kCbor11) {
      std::vector<uint8_t> cbor = nlohmann::json::to_cbor(body);
      response.headers.emplace_back("Content-Type", "application/x-amz-cbor-1.1");
      response.body.assign(cbor.begin(), cbor.end());
    } else {
      response.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
      response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  response.headers.emplace_back("x-amzn-ErrorType", std::string(code));
  return response;
}

}  // namespace kedge::ingest
