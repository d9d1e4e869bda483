#!/bin/sh
# Builds the Windows service core (packaging/windows/mingw: the service host, WinHTTP client,
# CNG crypto, the pure kpl and mkv code and their unit tests) with MinGW-w64 into DIR, so the
# Windows sources keep compiling as the rest of kedge changes. Running the tests under wine is
# scripts/package --arch win64. Exit 77 (CTest: skipped) without the mingw-w64 compiler.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${1:?usage: check_mingw_build.sh BUILD_DIR}
if ! command -v x86_64-w64-mingw32-g++-posix >/dev/null 2>&1; then
  echo "mingw-w64 not installed (apt-get install g++-mingw-w64-x86-64-posix): skipped"
  exit 77
fi
launcher=
if command -v ccache >/dev/null 2>&1; then launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache; fi
mkdir -p "$dir"
if ! cmake -S "$here/mingw" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/packaging/cross/x86_64-w64-mingw32.cmake" $launcher \
  >"$dir/configure.log" 2>&1; then
  cat "$dir/configure.log"
  exit 1
fi
cmake --build "$dir"
for exe in kedge.exe platform_windows_test.exe kpl_pure_test.exe video_mkv_test.exe; do
  [ -f "$dir/$exe" ] || { echo "missing $dir/$exe"; exit 1; }
done
echo "ok: the Windows service core builds with MinGW-w64"
