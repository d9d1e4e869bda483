#include "ingest/server/aws_json_protocol.h"

#include "ingest/server/aws_errors.h"
#include "platform/crypto.h"

namespace kedge::ingest {

using nlohmann::json;

Wire WireOf(const HttpRequest& request) {
  return request.Header("Content-Type").find("cbor") != std::string_view::npos ? Wire::kCbor
                                                                                : Wire::kJson;
}

StatusOr<json> ParseApiBody(const HttpRequest& request, Wire wire) {
  if (request.body.empty()) return json::object();
  json body;
  try {
    if (wire == Wire::kCbor) {
#if KEDGE_INGEST_HAS_CBOR
      body = json::from_cbor(request.body, true, true, json::cbor_tag_handler_t::ignore);
#else
      return InvalidArgumentError(
          "this kedge-ingest was built with nlohmann_json < 3.9 and cannot read CBOR; send JSON "
          "(application/x-amz-json-1.1)");
#endif
    } else {
      body = json::parse(request.body);
    }
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("the request body is not valid ") +
                                (wire == Wire::kCbor ? "CBOR" : "JSON") + ": " + e.what());
  }
  if (!body.is_object()) return InvalidArgumentError("the request body is not an object");
  return body;
}

StatusOr<std::optional<std::string>> GetBlob(const json& object, const char* key, Wire wire) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
#if KEDGE_INGEST_HAS_CBOR
  if (it->is_binary()) {
    const auto& bytes = it->get_binary();
    return std::optional<std::string>(std::string(bytes.begin(), bytes.end()));
  }
#endif
  if (!it->is_string()) return InvalidArgumentError(std::string(key) + " must be a blob");
  if (wire == Wire::kCbor) return std::optional<std::string>(it->get<std::string>());
  StatusOr<std::string> decoded = Base64Decode(it->get<std::string>());
  if (!decoded.ok()) {
    return InvalidArgumentError(std::string(key) + " is not valid base64");
  }
  return std::optional<std::string>(std::move(decoded).value());
}

json MakeBlob(std::string_view bytes, Wire wire) {
#if KEDGE_INGEST_HAS_CBOR
  if (wire == Wire::kCbor) return json::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
#endif
  return Base64Encode(bytes);
}

json MakeTimestamp(int64_t unix_ms, Wire wire) {
  if (wire == Wire::kCbor) return unix_ms;
  return static_cast<double>(unix_ms) / 1000.0;
}

StatusOr<std::optional<std::string>> GetString(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidArgumentError(std::string(key) + " must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

StatusOr<std::optional<int64_t>> GetInt(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer() && !it->is_number_unsigned()) {
    return InvalidArgumentError(std::string(key) + " must be an integer");
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

std::string DumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpResponse EncodeReply(const ApiReply& reply, Wire wire) {
  if (reply.error) {
    return AwsError(wire == Wire::kCbor ? ErrorStyle::kCbor11 : ErrorStyle::kJson11,
                    reply.error->http_status, reply.error->code, reply.error->message);
  }
  if (wire == Wire::kCbor) {
    std::vector<uint8_t> bytes = json::to_cbor(reply.body);
    return HttpResponse::Make(200, "application/x-amz-cbor-1.1",
                              std::string(bytes.begin(), bytes.end()));
  }
  return HttpResponse::Make(200, "application/x-amz-json-1.1", DumpJson(reply.body));
}

HttpResponse EncodeRestReply(const ApiReply& reply) {
  if (reply.error) {
    return AwsError(ErrorStyle::kRest, reply.error->http_status, reply.error->code,
                    reply.error->message);
  }
  return HttpResponse::Make(200, "application/json", DumpJson(reply.body));
}

}  // namespace kedge::ingest
