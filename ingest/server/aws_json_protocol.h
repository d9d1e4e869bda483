#pragma once
// The AWS JSON 1.1 / CBOR 1.1 RPC protocol as a server sees it (Kinesis, Firehose):
// request bodies in JSON (blobs in base64, timestamps in epoch seconds) or CBOR (blobs as byte
// strings, timestamps in epoch milliseconds), answers in the same encoding, errors as
// {"__type","message"} with HTTP 400 (500 for InternalFailure).
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ingest/server/http_types.h"

// CBOR byte strings need nlohmann_json 3.9 (binary values, CBOR tag handling); older builds
// (Ubuntu 20.04 ships 3.7) answer CBOR requests with a SerializationException instead.
#if NLOHMANN_JSON_VERSION_MAJOR > 3 || \
    (NLOHMANN_JSON_VERSION_MAJOR == 3 && NLOHMANN_JSON_VERSION_MINOR >= 9)
#define KEDGE_INGEST_HAS_CBOR 1
#else
#define KEDGE_INGEST_HAS_CBOR 0
#endif

namespace kedge::ingest {

enum class Wire { kJson, kCbor };

struct ApiError {
  int http_status = 400;
  std::string code;  // "ResourceNotFoundException"
  std::string message;
};

// A handler's answer: a body, or an error.
struct ApiReply {
  ApiReply(nlohmann::json body) : body(std::move(body)) {}  // NOLINT: implicit
  ApiReply(ApiError error) : error(std::move(error)) {}     // NOLINT: implicit
  nlohmann::json body;
  std::optional<ApiError> error;
};

Wire WireOf(const HttpRequest& request);

// The request body as a JSON object. An empty body is an empty object.
// Errors: InvalidArgument when the body is not an object in the declared encoding.
StatusOr<nlohmann::json> ParseApiBody(const HttpRequest& request, Wire wire);

// A blob member: base64-decoded for JSON, the byte string for CBOR. nullopt when absent;
// InvalidArgument when malformed.
StatusOr<std::optional<std::string>> GetBlob(const nlohmann::json& object, const char* key,
                                             Wire wire);
nlohmann::json MakeBlob(std::string_view bytes, Wire wire);
nlohmann::json MakeTimestamp(int64_t unix_ms, Wire wire);

// A string member, or nullopt when absent; InvalidArgument when present but not a string.
StatusOr<std::optional<std::string>> GetString(const nlohmann::json& object, const char* key);
// An integer member, or nullopt when absent; InvalidArgument when not an integer.
StatusOr<std::optional<int64_t>> GetInt(const nlohmann::json& object, const char* key);

HttpResponse EncodeReply(const ApiReply& reply, Wire wire);

// JSON text of `value`; invalid UTF-8 in strings (echoed client input) is replaced, never thrown.
std::string DumpJson(const nlohmann::json& value);

// Runs `handler` on the parsed body and encodes its answer; a body that does not parse is a
// SerializationException.
template <class Handler>
HttpResponse ServeApi(const HttpRequest& request, Handler&& handler) {
  Wire wire = WireOf(request);
  StatusOr<nlohmann::json> body = ParseApiBody(request, wire);
  if (!body.ok()) {
    return EncodeReply(ApiError{400, "SerializationException", body.status().message()}, wire);
  }
  return EncodeReply(handler(*body, wire), wire);
}

// The REST JSON flavour (Kinesis Video Streams): a JSON body in, JSON out; errors with their own
// HTTP status, {"Message": ...} and the code in x-amzn-ErrorType.
HttpResponse EncodeRestReply(const ApiReply& reply);
template <class Handler>
HttpResponse ServeRestJson(const HttpRequest& request, Handler&& handler) {
  StatusOr<nlohmann::json> body = ParseApiBody(request, Wire::kJson);
  if (!body.ok()) {
    return EncodeRestReply(ApiError{400, "InvalidArgumentException", body.status().message()});
  }
  return EncodeRestReply(handler(*body));
}

}  // namespace kedge::ingest
