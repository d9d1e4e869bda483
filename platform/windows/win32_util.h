#pragma once
// Win32 helpers for the service host: UTF-8 <-> UTF-16 and the one place a Win32 error code
// becomes a Status. Windows only.

#include <windows.h>

#include <string>
#include <string_view>

#include "platform/status.h"

namespace kedge::windows {

std::wstring Utf8ToWide(std::string_view text);
std::string WideToUtf8(std::wstring_view text);

// "context: Access is denied." with a code a caller can act on: ERROR_ACCESS_DENIED ->
// PermissionDenied, ERROR_SERVICE_EXISTS -> AlreadyExists, ERROR_SERVICE_DOES_NOT_EXIST and
// ERROR_FILE_NOT_FOUND -> NotFound, timeouts -> DeadlineExceeded, others -> Internal.
Status Win32Error(std::string_view context, DWORD error);

// The full path of the running executable.
std::string CurrentExePath();

}  // namespace kedge::windows
