#pragma once
// Internal to ingest/kinesis: the service's error answers.

#include <string>

#include "ingest/server/aws_json_protocol.h"
#include "platform/status.h"

namespace kedge::ingest::kinesis_internal {

inline ApiError Invalid(std::string message) {
  return {400, "InvalidArgumentException", std::move(message)};
}
inline ApiError Validation(std::string message) {
  return {400, "ValidationException", std::move(message)};
}

// NotFound -> ResourceNotFoundException, AlreadyExists -> ResourceInUseException,
// InvalidArgument -> InvalidArgumentException, ResourceExhausted -> LimitExceededException,
// anything else -> InternalFailure (500).
inline ApiError FromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return {400, "ResourceNotFoundException", status.message()};
    case StatusCode::kAlreadyExists:
      return {400, "ResourceInUseException", status.message()};
    case StatusCode::kInvalidArgument:
      return Invalid(status.message());
    case StatusCode::kResourceExhausted:
      return {400, "LimitExceededException", status.message()};
    default:
      return {500, "InternalFailure", status.message()};
  }
}

}  // namespace kedge::ingest::kinesis_internal
