#pragma once
// For tests/video/mkv/mkv_testutil.cc in the mingw build: on Windows, pclose returns the
// command's exit code itself (there is no wait status to decode).
#define WIFEXITED(status) 1
#define WEXITSTATUS(status) (status)
