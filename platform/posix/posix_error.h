#pragma once
// The one place errno becomes a Status.

#include <string_view>

#include "platform/status.h"

namespace kedge {

// "context: No space left on device" with a code that says what a caller can do about it:
// ENOENT -> NotFound, EACCES/EPERM -> PermissionDenied, ENOSPC/EDQUOT -> ResourceExhausted, ...
Status PosixError(std::string_view context, int error_number);

}  // namespace kedge
