#!/bin/sh
# Checks the systemd units: `systemd-analyze verify` finds no error, and the exposure score of
# `systemd-analyze security --offline=true` is at most 2.0 for kedge.service, for
# kedge.service with the Jetson drop-in, and for kedge-ingest.service. Fails when
# systemd-analyze is missing (apt-get install systemd).
#
#   check_units.sh [DIR]     DIR: the folder with the units (default: this script's)
set -eu

dir=${1:-$(dirname "$0")}
max_exposure=20 # --threshold is in tenths: 20 = 2.0

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "FAIL: systemd-analyze not found (apt-get install systemd)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The binaries need not be installed to check the units: point ExecStart at /bin/true.
for unit in kedge.service kedge-ingest.service; do
  sed -e 's|^ExecStart=/usr/bin/[a-z-]*|ExecStart=/bin/true|' "$dir/$unit" >"$work/$unit"
done
# A unit with a drop-in reads as the unit followed by the drop-in's sections.
cat "$work/kedge.service" "$dir/jetson-argus.conf" >"$work/kedge-jetson.service"

status=0
for unit in kedge.service kedge-ingest.service; do
  for setting in Type=notify NotifyAccess=main WatchdogSec=; do
    if ! grep -q "^$setting" "$dir/$unit"; then
      echo "FAIL: $unit has no $setting (the binary reports READY, WATCHDOG and STOPPING)" >&2
      status=1
    fi
  done
done
for unit in kedge.service kedge-jetson.service kedge-ingest.service; do
  if ! out=$(systemd-analyze verify --man=no "$work/$unit" 2>&1) || [ -n "$out" ]; then
    echo "FAIL: systemd-analyze verify $unit:" >&2
    echo "$out" >&2
    status=1
  fi
  score=$(systemd-analyze security --offline=true "$work/$unit" 2>&1 | sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  if systemd-analyze security --offline=true --threshold="$max_exposure" "$work/$unit" >/dev/null 2>&1; then
    echo "ok: $unit exposure ${score:-?} (at most 2.0)"
  else
    echo "FAIL: $unit exposure ${score:-?} is over 2.0; see: systemd-analyze security --offline=true $dir/${unit%-jetson.service}.service" >&2
    status=1
  fi
done
exit "$status"
