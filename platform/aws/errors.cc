#include "platform/aws/errors.h"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>

namespace kedge::aws {
namespace {

constexpr size_t kMaxMessage = 512;

// What kedge knows about one AWS error code.
struct CodeInfo {
  std::string_view code;
  ErrorClass error_class;
  StatusCode status;
  std::string_view hint;
};

constexpr std::string_view kBadKeyHint =
    "the access key id is not known to AWS: check AWS_ACCESS_KEY_ID or the profile (deleted key, "
    "or a key from another partition such as China or GovCloud)";
constexpr std::string_view kBadSecretHint =
    "the secret access key is wrong: check AWS_SECRET_ACCESS_KEY or the profile";
constexpr std::string_view kClockHint = "clock skew: check the system clock / NTP";
constexpr std::string_view kExpiredTokenHint =
    "the session token has expired: refresh the temporary credentials (AWS_SESSION_TOKEN, the "
    "profile, or the IoT credentials provider)";
constexpr std::string_view kNotFoundHint =
    "stream not found: create it or check the name and region";
constexpr std::string_view kAccessHint =
    "access denied: the IAM policy of these credentials must allow this action on this stream";
constexpr std::string_view kKmsHint =
    "the stream's KMS key cannot be used: check that the key is enabled and its key policy "
    "allows these credentials";
constexpr std::string_view kThroughputHint =
    "write throughput exceeded: kedge backs off; add shards (or use on-demand) if this persists";
constexpr std::string_view kRateHint = "API request rate exceeded: kedge slows down and retries";
constexpr std::string_view kInvalidHint =
    "the request was rejected as invalid: check stream names, record sizes and partition keys";

constexpr CodeInfo kCodes[] = {
    {"ResourceNotFoundException", ErrorClass::kFatal, StatusCode::kNotFound, kNotFoundHint},
    {"ResourceInUseException", ErrorClass::kRetryable, StatusCode::kFailedPrecondition,
     "the stream is not ACTIVE yet (being created, updated or deleted): wait for it"},
    {"InvalidArgumentException", ErrorClass::kFatal, StatusCode::kInvalidArgument, kInvalidHint},
    {"ValidationException", ErrorClass::kFatal, StatusCode::kInvalidArgument, kInvalidHint},
    {"SerializationException", ErrorClass::kFatal, StatusCode::kInvalidArgument, kInvalidHint},
    {"AccessDeniedException", ErrorClass::kFatal, StatusCode::kPermissionDenied, kAccessHint},
    {"AccessDenied", ErrorClass::kFatal, StatusCode::kPermissionDenied, kAccessHint},
    {"NotAuthorizedException", ErrorClass::kFatal, StatusCode::kUnauthenticated,
     "not authorized: check the credentials and that their IAM policy allows this stream"},
    {"UnrecognizedClientException", ErrorClass::kFatal, StatusCode::kUnauthenticated,
     kBadKeyHint},
    {"InvalidClientTokenId", ErrorClass::kFatal, StatusCode::kUnauthenticated, kBadKeyHint},
    {"InvalidSignatureException", ErrorClass::kFatal, StatusCode::kUnauthenticated,
     kBadSecretHint},
    {"SignatureDoesNotMatch", ErrorClass::kFatal, StatusCode::kUnauthenticated, kBadSecretHint},
    {"IncompleteSignatureException", ErrorClass::kFatal, StatusCode::kUnauthenticated,
     "the request signature is incomplete: a proxy may have changed the request's headers"},
    {"MissingAuthenticationTokenException", ErrorClass::kFatal, StatusCode::kUnauthenticated,
     "the request carried no credentials, or went to a wrong endpoint URL: check both"},
    {"MissingAuthenticationToken", ErrorClass::kFatal, StatusCode::kUnauthenticated,
     "the request carried no credentials, or went to a wrong endpoint URL: check both"},
    {"ExpiredTokenException", ErrorClass::kExpired, StatusCode::kUnauthenticated,
     kExpiredTokenHint},
    {"ExpiredToken", ErrorClass::kExpired, StatusCode::kUnauthenticated, kExpiredTokenHint},
    {"RequestExpired", ErrorClass::kExpired, StatusCode::kUnauthenticated, kClockHint},
    {"RequestTimeTooSkewed", ErrorClass::kExpired, StatusCode::kUnauthenticated, kClockHint},
    {"ProvisionedThroughputExceededException", ErrorClass::kThrottled,
     StatusCode::kResourceExhausted, kThroughputHint},
    {"LimitExceededException", ErrorClass::kThrottled, StatusCode::kResourceExhausted, kRateHint},
    {"ThrottlingException", ErrorClass::kThrottled, StatusCode::kResourceExhausted, kRateHint},
    {"Throttling", ErrorClass::kThrottled, StatusCode::kResourceExhausted, kRateHint},
    {"TooManyRequestsException", ErrorClass::kThrottled, StatusCode::kResourceExhausted,
     kRateHint},
    {"ClientLimitExceededException", ErrorClass::kThrottled, StatusCode::kResourceExhausted,
     kRateHint},
    {"ConnectionLimitExceededException", ErrorClass::kThrottled, StatusCode::kResourceExhausted,
     "too many PutMedia connections to this stream: is another producer sending to it?"},
    {"KMSThrottlingException", ErrorClass::kThrottled, StatusCode::kResourceExhausted,
     "KMS is throttling the stream's key: kedge backs off; raise the KMS quota if this persists"},
    {"InternalFailure", ErrorClass::kRetryable, StatusCode::kUnavailable, ""},
    {"InternalFailureException", ErrorClass::kRetryable, StatusCode::kUnavailable, ""},
    {"InternalServerError", ErrorClass::kRetryable, StatusCode::kUnavailable, ""},
    {"ServiceUnavailable", ErrorClass::kRetryable, StatusCode::kUnavailable, ""},
    {"ServiceUnavailableException", ErrorClass::kRetryable, StatusCode::kUnavailable, ""},
    {"RequestTimeout", ErrorClass::kRetryable, StatusCode::kUnavailable, ""},
    {"RequestTimeoutException", ErrorClass::kRetryable, StatusCode::kUnavailable, ""},
};

const CodeInfo* FindCode(std::string_view code) {
  for (const CodeInfo& info : kCodes) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

// KMSDisabledException, KMSNotFoundException, KMSInvalidStateException, KMSOptInRequired, ...:
// the stream's key is unusable, which retrying cannot fix.
bool IsKmsCode(std::string_view code) { return code.substr(0, 3) == "KMS"; }

// InvalidSignatureException also reports clock skew: "Signature expired: 20150830T123600Z is
// now earlier than ..." or "Signature not yet current: ...".
bool IsClockSkewMessage(std::string_view message) {
  return message.find("Signature expired") != std::string_view::npos ||
         message.find("Signature not yet current") != std::string_view::npos;
}

// "com.amazon.coral.service#ExpiredTokenException" and
// "UnrecognizedClientException:http://internal.amazon.com/coral/..." both name one code.
std::string CleanCode(std::string_view raw) {
  if (size_t hash = raw.rfind('#'); hash != std::string_view::npos) raw = raw.substr(hash + 1);
  if (size_t colon = raw.find(':'); colon != std::string_view::npos) raw = raw.substr(0, colon);
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
  return std::string(raw);
}

// Keeps messages printable and short: a proxy may answer with a page of HTML.
std::string CleanMessage(std::string_view raw) {
  std::string out;
  for (char c : raw.substr(0, kMaxMessage)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  if (raw.size() > kMaxMessage) out += "...";
  return out;
}

std::string StringField(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    auto it = object.find(key);
    if (it != object.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

std::string FallbackCode(int http_status) { return "HTTP " + std::to_string(http_status); }

bool HasFallbackCode(const ApiError& error) {
  return error.code.empty() || error.code == FallbackCode(error.http_status);
}

StatusCode StatusCodeFor(const ApiError& error) {
  if (const CodeInfo* info = FindCode(error.code)) return info->status;
  if (error.code == "KMSAccessDeniedException") return StatusCode::kPermissionDenied;
  if (error.code == "KMSNotFoundException") return StatusCode::kNotFound;
  if (IsKmsCode(error.code)) return StatusCode::kFailedPrecondition;
  int http = error.http_status;
  if (http >= 500 || http == 408) return StatusCode::kUnavailable;
  if (http == 429) return StatusCode::kResourceExhausted;
  if (http == 401) return StatusCode::kUnauthenticated;
  if (http == 403) return StatusCode::kPermissionDenied;
  if (http == 404) return StatusCode::kNotFound;
  if (http >= 400) return StatusCode::kInvalidArgument;
  // A redirect or an error with a 2xx status: the endpoint is not what it should be.
  return StatusCode::kFailedPrecondition;
}

}  // namespace

ApiError ParseJsonError(int http_status, std::string_view body,
                        std::string_view error_type_header) {
  ApiError error;
  error.http_status = http_status;
  nlohmann::json json = nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                              /*allow_exceptions=*/false);
  if (json.is_object()) {
    error.code = CleanCode(StringField(json, {"__type", "code", "Code"}));
    error.message = CleanMessage(StringField(json, {"message", "Message", "errorMessage"}));
  } else if (!body.empty()) {
    error.message = CleanMessage(body);
  }
  if (error.code.empty()) error.code = CleanCode(error_type_header);
  if (error.code.empty()) error.code = FallbackCode(http_status);
  if (error.message.empty()) error.message = "no error details in the response";
  return error;
}

ErrorClass Classify(const ApiError& error) {
  if (error.code == "InvalidSignatureException" && IsClockSkewMessage(error.message)) {
    return ErrorClass::kExpired;
  }
  if (const CodeInfo* info = FindCode(error.code)) return info->error_class;
  if (IsKmsCode(error.code)) return ErrorClass::kFatal;
  if (error.http_status == 429) return ErrorClass::kThrottled;
  if (error.http_status >= 500 || error.http_status == 408) return ErrorClass::kRetryable;
  return ErrorClass::kFatal;
}

ErrorClass Classify(const Status& status) {
  const std::string& message = status.message();
  auto mentions = [&](std::string_view text) {
    return message.find(text) != std::string::npos;
  };
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kAborted:
      return ErrorClass::kRetryable;
    case StatusCode::kResourceExhausted:
      return ErrorClass::kThrottled;
    case StatusCode::kUnauthenticated:
      return mentions("ExpiredToken") || mentions("RequestExpired") ||
                     mentions("RequestTimeTooSkewed") || IsClockSkewMessage(message)
                 ? ErrorClass::kExpired
                 : ErrorClass::kFatal;
    case StatusCode::kFailedPrecondition:
      return mentions("ResourceInUseException") ? ErrorClass::kRetryable : ErrorClass::kFatal;
    default:
      return ErrorClass::kFatal;
  }
}

Status ToStatus(const ApiError& error, std::string_view what) {
  std::string message;
  if (!what.empty()) {
    message.append(what);
    message += ": ";
  }
  message += error.code + ": " + error.message;
  return Status(StatusCodeFor(error), message);
}

bool IsClockSkewError(const ApiError& error) {
  return error.code == "RequestTimeTooSkewed" || error.code == "RequestExpired" ||
         (error.code == "InvalidSignatureException" && IsClockSkewMessage(error.message));
}

std::string_view HintFor(const ApiError& error) {
  if (error.code == "InvalidSignatureException" && IsClockSkewMessage(error.message)) {
    return kClockHint;
  }
  if (const CodeInfo* info = FindCode(error.code)) return info->hint;
  if (IsKmsCode(error.code)) return kKmsHint;
  if (!HasFallbackCode(error)) return "";
  switch (error.http_status) {
    case 400:
      return "the service rejected the request without details: check the endpoint URL and "
             "region";
    case 401:
    case 403:
      return "forbidden without details: check the credentials, the region and the endpoint URL "
             "(a proxy may be blocking the request)";
    case 404:
      return "not found without details: check the endpoint URL (is it an AWS or kedge-ingest "
             "endpoint?) and the stream name";
    case 413:
      return "the request is too large: lower the batch size";
    default:
      return "";
  }
}

std::string_view HintFor(const Status& status) {
  const std::string& message = status.message();
  // ToStatus writes "what: Code: message"; find the code as a whole token before ": ".
  for (const CodeInfo& info : kCodes) {
    size_t pos = message.find(info.code);
    while (pos != std::string::npos) {
      bool starts = pos == 0 || message[pos - 1] == ' ';
      bool ends = message.compare(pos + info.code.size(), 2, ": ") == 0;
      if (starts && ends) {
        ApiError error;
        error.code = std::string(info.code);
        error.message = message.substr(pos + info.code.size() + 2);
        return HintFor(error);
      }
      pos = message.find(info.code, pos + 1);
    }
  }
  return "";
}

}  // namespace kedge::aws
