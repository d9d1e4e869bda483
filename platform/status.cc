#include "platform/status.h"

namespace kedge {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kCancelled: return "Cancelled";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kPermissionDenied: return "PermissionDenied";
    case StatusCode::kUnauthenticated: return "Unauthenticated";
    case StatusCode::kResourceExhausted: return "ResourceExhausted";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kAborted: return "Aborted";
    case StatusCode::kOutOfRange: return "OutOfRange";
    case StatusCode::kUnimplemented: return "Unimplemented";
    case StatusCode::kInternal: return "Internal";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kDeadlineExceeded: return "DeadlineExceeded";
    case StatusCode::kDataLoss: return "DataLoss";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string_view message) {
  if (code != StatusCode::kOk) rep_.reset(new Rep{code, std::string(message)});
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? new Rep(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_.reset(other.rep_ ? new Rep(*other.rep_) : nullptr);
  return *this;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(rep_->code));
  out += ": ";
  out += rep_->message;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  std::string message(context);
  message += ": ";
  message += rep_->message;
  return Status(rep_->code, message);
}

#define KEDGE_DEFINE_ERROR(Name, Code) \
  Status Name(std::string_view message) { return Status(StatusCode::Code, message); }
KEDGE_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
KEDGE_DEFINE_ERROR(NotFoundError, kNotFound)
KEDGE_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
KEDGE_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
KEDGE_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
KEDGE_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
KEDGE_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
KEDGE_DEFINE_ERROR(AbortedError, kAborted)
KEDGE_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
KEDGE_DEFINE_ERROR(UnimplementedError, kUnimplemented)
KEDGE_DEFINE_ERROR(InternalError, kInternal)
KEDGE_DEFINE_ERROR(UnavailableError, kUnavailable)
KEDGE_DEFINE_ERROR(DeadlineExceededError, kDeadlineExceeded)
KEDGE_DEFINE_ERROR(DataLossError, kDataLoss)
KEDGE_DEFINE_ERROR(CancelledError, kCancelled)
#undef KEDGE_DEFINE_ERROR

}  // namespace kedge
