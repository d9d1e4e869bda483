#pragma once
// Status and StatusOr<T>: how every fallible kedge function reports failure.
// An OK Status is a single null pointer, so returning one costs nothing; an error carries a code
// and a message meant for the user ("spool: /var/lib/kedge/spool.db: disk full"). kedge code
// throws no exceptions of its own; third-party exceptions are caught in their adapter.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kedge {

enum class StatusCode {
  kOk = 0,
  kCancelled,
  kInvalidArgument,      // the caller's input is wrong (bad config, oversize record)
  kNotFound,             // a stream, file or key that does not exist
  kAlreadyExists,
  kPermissionDenied,     // authenticated but not allowed (AccessDenied)
  kUnauthenticated,      // bad or missing credentials, bad signature
  kResourceExhausted,    // throttled, disk full, quota
  kFailedPrecondition,   // the system is not in a state to do it (stream not ACTIVE)
  kAborted,
  kOutOfRange,
  kUnimplemented,
  kInternal,             // a broken invariant: a bug
  kUnavailable,          // transient: network down, 5xx; retrying may help
  kDeadlineExceeded,     // timed out
  kDataLoss,             // corrupt data (checksum mismatch, torn file)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(StatusCode code, std::string_view message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The message alone, without the code name; empty when OK.
  const std::string& message() const;
  // "NotFound: stream edge-logs not found", or "OK".
  std::string ToString() const;

  // Returns a copy with "context: " put in front of the message (no-op when OK).
  Status WithContext(std::string_view context) const;

  // Ignores the status on purpose; use where a failure is genuinely irrelevant.
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

inline bool operator==(const Status& a, const Status& b) {
  return a.code() == b.code() && a.message() == b.message();
}
inline bool operator!=(const Status& a, const Status& b) { return !(a == b); }

// Short constructors, one per code that kedge uses.
Status InvalidArgumentError(std::string_view message);
Status NotFoundError(std::string_view message);
Status AlreadyExistsError(std::string_view message);
Status PermissionDeniedError(std::string_view message);
Status UnauthenticatedError(std::string_view message);
Status ResourceExhaustedError(std::string_view message);
Status FailedPreconditionError(std::string_view message);
Status AbortedError(std::string_view message);
Status OutOfRangeError(std::string_view message);
Status UnimplementedError(std::string_view message);
Status InternalError(std::string_view message);
Status UnavailableError(std::string_view message);
Status DeadlineExceededError(std::string_view message);
Status DataLossError(std::string_view message);
Status CancelledError(std::string_view message);

// StatusOr<T> holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const Status& status) : status_(status) { CheckNotOk(); }   // NOLINT: implicit
  StatusOr(Status&& status) : status_(std::move(status)) { CheckNotOk(); }  // NOLINT
  StatusOr(const T& value) : value_(value) {}                           // NOLINT
  StatusOr(T&& value) : value_(std::move(value)) {}                      // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status>>>
  StatusOr(U&& value) : value_(std::forward<U>(value)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void CheckNotOk() {
    if (status_.ok()) status_ = InternalError("StatusOr constructed from an OK status");
  }
  Status status_;
  std::optional<T> value_;
};

}  // namespace kedge

#define KEDGE_STATUS_CONCAT_INNER_(a, b) a##b
#define KEDGE_STATUS_CONCAT_(a, b) KEDGE_STATUS_CONCAT_INNER_(a, b)

// Returns from the calling function when `expr` yields a non-OK Status.
#define KEDGE_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::kedge::Status kedge_status_ = (expr);         \
    if (!kedge_status_.ok()) return kedge_status_;  \
  } while (0)

// `KEDGE_ASSIGN_OR_RETURN(auto x, Foo());` — declares x from a StatusOr or returns its error.
#define KEDGE_ASSIGN_OR_RETURN(lhs, expr) \
  KEDGE_ASSIGN_OR_RETURN_IMPL_(KEDGE_STATUS_CONCAT_(kedge_statusor_, __LINE__), lhs, expr)
#define KEDGE_ASSIGN_OR_RETURN_IMPL_(var, lhs, expr) \
  auto var = (expr);                                 \
  if (!var.ok()) return var.status();                \
  lhs = std::move(var).value()
