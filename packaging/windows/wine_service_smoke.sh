#!/usr/bin/env bash
# Runs kedge.exe (the mingw build) as a Windows service under wine: `kedge service install`,
# sc.exe start -> `kedge service run` under the SCM -> RUNNING, sc.exe stop -> STOPPED with exit
# code 0 and the stop in %ProgramData%\kedge\logs\kedge.log (an oversize log from before is
# rotated to kedge.log.1 at start), `kedge service uninstall`, and a second uninstall that must
# fail. Wine's SCM is not Windows' (no delayed start, no
# failure-actions flag), so this is a smoke test of the Win32 glue, not a conformance test.
#
#   wine_service_smoke.sh BUILD_DIR        (WINEPREFIX: a throwaway prefix is used if unset)
set -euo pipefail
dir=$(cd "$1" && pwd)
wine=$(command -v wine64 || command -v wine || echo /usr/lib/wine/wine64)
[[ -x $wine ]] || { echo "wine not installed (apt-get install wine64)"; exit 77; }
export WINEDEBUG=-all
export WINEPREFIX=${WINEPREFIX:-$dir/wineprefix}
name=kedge-smoke
# Without a persistent wineserver, wine shuts down (and kills the service) 3 s after the last
# ordinary process, here sc.exe, exits.
"$(dirname "$wine")/wineserver" -p >/dev/null 2>&1 &  # stays in the foreground otherwise
trap '"$(dirname "$wine")/wineserver" -k 2>/dev/null || true' EXIT
# Wine gives services %ProgramData% = C:\users\Public (Windows: C:\ProgramData).
log=$WINEPREFIX/drive_c/users/Public/kedge/logs/kedge.log
rm -f "$log" "$log".[0-9]
failures=0
check() {  # check <what> <output> <expected text>
  if ! grep -qF -- "$3" <<<"$2"; then
    echo "FAIL: $1: expected '$3' in:"; echo "$2"; failures=$((failures + 1))
  fi
}
state() { "$wine" sc.exe query "$name" 2>&1 | tr -d '\r'; }
wait_state() {  # polls up to 20 s: the SCM changes state asynchronously
  local out
  for _ in $(seq 1 40); do
    out=$(state)
    grep -q "$1" <<<"$out" && break
    sleep 0.5
  done
  echo "$out"
}

out=$("$wine" "$dir/kedge.exe" service install --name "$name" 2>&1 | tr -d '\r')
check install "$out" "installed service '$name'"
# A log over the 10 MiB limit, left by an earlier run: rotated away when the service starts.
# (Written once wine has made the prefix, which the install above does on first use.)
mkdir -p "$(dirname "$log")"
{ echo "an earlier run's first line"; head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'x'; echo; } >"$log"
"$wine" sc.exe start "$name" >/dev/null 2>&1 || true
check start "$(wait_state RUNNING)" "4  RUNNING"
"$wine" sc.exe stop "$name" >/dev/null 2>&1 || true
out=$(wait_state STOPPED)
check stop "$out" "1  STOPPED"
check stop-exit-code "$out" "WIN32_EXIT_CODE    : 0"
check log-file "$(tr -d '\r' <"$log" 2>/dev/null)" "stopping: the service is stopping"
check log-rotated "$(head -n 1 "$log.1" 2>/dev/null | tr -d '\r')" "an earlier run's first line"
if [[ $(stat -c %s "$log") -gt 1000000 ]]; then
  echo "FAIL: kedge.log was not rotated at start"; failures=$((failures + 1))
fi
starts=$(grep -c 'kedge started' "$log" 2>/dev/null || true)
if [[ $starts != 1 ]]; then
  echo "FAIL: the service started $starts times, expected once"; failures=$((failures + 1))
fi
out=$("$wine" "$dir/kedge.exe" service uninstall --name "$name" 2>&1 | tr -d '\r')
check uninstall "$out" "uninstalled service '$name'"
out=$("$wine" "$dir/kedge.exe" service uninstall --name "$name" 2>&1 | tr -d '\r' || true)
check uninstall-again "$out" "does not exist"
[[ $failures == 0 ]] || exit 1
echo "ok: the service installs, runs, stops and uninstalls under wine"
