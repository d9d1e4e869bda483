#!/bin/sh
# Runs shellcheck over every shell script of the packaging and scripts/package. Exit 77 (CTest:
# skipped) when shellcheck is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "shellcheck not installed (apt-get install shellcheck): skipped"
  exit 77
fi
cd "$here"
shellcheck ./*.sh install/*.sh systemd/*.sh cross/*.sh windows/*.sh yocto/meta-kedge/recipes-kedge/kedge/files/run-ptest ../scripts/package
shellcheck -s sh deb/*.in
echo "ok: shellcheck"
