#pragma once
// The one classifier from AWS error answers to kedge Status codes and retry decisions.

#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge::aws {

enum class ErrorClass {
  kRetryable,   // 5xx, InternalFailure, ServiceUnavailable, network errors: back off and retry
  kThrottled,   // ProvisionedThroughputExceeded, LimitExceeded, Throttling: slow down and retry
  kExpired,     // ExpiredToken, RequestExpired (clock skew): refresh credentials/clock, retry
  kFatal,       // validation, access denied, not found, bad signature: retrying cannot help
};

struct ApiError {
  int http_status = 0;
  std::string code;     // "ResourceNotFoundException" (any "prefix#" from __type removed)
  std::string message;  // the service's message
};

// Reads code and message from an AWS JSON error body ({"__type": ..., "message"/"Message": ...})
// or, failing that, from the x-amzn-ErrorType header value given; falls back to the HTTP status.
ApiError ParseJsonError(int http_status, std::string_view body, std::string_view error_type_header);

ErrorClass Classify(const ApiError& error);
ErrorClass Classify(const Status& status);  // from a Status built by ToStatus or a transport error

// A Status whose message is "Code: message" and whose StatusCode says what kind of failure it is:
// NotFound, Unauthenticated (bad key/secret/signature, expired token), PermissionDenied,
// ResourceExhausted (throttling), Unavailable (5xx), InvalidArgument (validation), ...
// `what` is put in front: "PutRecords to stream edge-logs".
Status ToStatus(const ApiError& error, std::string_view what);

// True when AWS rejected the request because the local clock is off (RequestTimeTooSkewed,
// RequestExpired, "Signature expired" / "Signature not yet current"): see ClockSkew.
bool IsClockSkewError(const ApiError& error);

// A one-line hint for a user who got this error (e.g. "check the secret access key"), or "".
std::string_view HintFor(const ApiError& error);
// The same for a Status built by ToStatus ("...: Code: message"), or "" when none applies.
std::string_view HintFor(const Status& status);

}  // namespace kedge::aws
