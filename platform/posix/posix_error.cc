#include "platform/posix/posix_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace kedge {

Status PosixError(std::string_view context, int error_number) {
  std::string message(context);
  message += ": ";
  message += std::strerror(error_number);
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(message);
    case EEXIST:
      return AlreadyExistsError(message);
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return ResourceExhaustedError(message);
    case EINVAL:
    case ENAMETOOLONG:
    case EISDIR:
      return InvalidArgumentError(message);
    case EAGAIN:
    case EINTR:
    case EBUSY:
    case ETIMEDOUT:
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case ENETUNREACH:
      return UnavailableError(message);
    case EIO:
      return DataLossError(message);
    default:
      return InternalError(message);
  }
}

}  // namespace kedge
