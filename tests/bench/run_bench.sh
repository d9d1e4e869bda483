#!/usr/bin/env bash
# `kedge run` end to end: a file of 100-byte lines -> file source -> spool -> Kinesis sink ->
# a local endpoint that answers at once (put_bench_endpoint, 16 shards). Prints, for each of
# three runs and their median, lines per CPU-second of the kedge process (all its threads) and
# per wall second, with kedge pinned to one core and the endpoint to another when there are
# two. Then the idle footprint: VmRSS, VmHWM, PSS and USS of `kedge run` with one file source
# and one kinesis sink once it has shipped a small file and settled (PMAP=1: a pmap summary),
# and the floor under it: the RSS of a C program that only links libcurl and makes one request.
# Needs a build with -DKEDGE_BUILD_BENCH=ON (Release or RelWithDebInfo).
#   tests/bench/run_bench.sh [BUILD_DIR] [LINES]
# With CALLGRIND=FILE, one run under valgrind's callgrind instead (instruction counts do not
# depend on the machine's load): prints instructions per line, start-up and shutdown included,
# and leaves the profile in FILE for callgrind_annotate.
set -euo pipefail
build=${1:-build}
lines=${2:-1000000}
work=$(mktemp -d)
agent_pid=
cleanup() {
  if [[ -n "$agent_pid" ]]; then kill "$agent_pid" 2>/dev/null || true; fi
  exec 3>&- || true
  rm -rf "$work"
}
trap cleanup EXIT

awk -v n="$lines" 'BEGIN {
  for (i = 0; i < n; i++) {
    line = sprintf("%09d bench line from the edge agent ", i)
    while (length(line) < 99) line = line "x"
    print line
  }
}' > "$work/app.log"

pin_agent=() pin_endpoint=()
if [[ $(nproc) -ge 2 ]]; then pin_agent=(taskset -c 1) pin_endpoint=(taskset -c 0); fi
coproc ENDPOINT { "${pin_endpoint[@]}" "$build/tests/bench/put_bench_endpoint" 16; }
exec 3>&"${ENDPOINT[1]}"
read -r _ url <&"${ENDPOINT[0]}"
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1

write_config() {  # file
  cat > "$work/kedge.yaml" <<YAML
state_dir: $work/state
log_level: warn
http:
  listen: 127.0.0.1:0
sinks:
  - name: bench
    type: kinesis
    stream: bench
    endpoint: $url
    protocol: json
sources:
  - name: app
    type: file
    path: $1
    sink: bench
YAML
}

wrap=()
if [[ -n "${CALLGRIND:-}" ]]; then
  wrap=(valgrind --tool=callgrind --callgrind-out-file="$CALLGRIND")
fi

start_agent() {
  rm -rf "$work/state"
  "${pin_agent[@]}" "${wrap[@]}" "$build/agent/kedge" run --config "$work/kedge.yaml" --log-level info \
    > "$work/agent.log" 2>&1 &
  agent_pid=$!
  address=
  for _ in $(seq 1 1200); do
    address=$(grep -o 'status page at http://[0-9.:]*' "$work/agent.log" | head -n 1 | sed 's|.*http://||') || true
    [[ -n "$address" ]] && return 0
    sleep 0.05
  done
  echo "kedge did not start:" >&2; cat "$work/agent.log" >&2; exit 1
}

sent() {
  curl -s "http://$address/metrics" | awk '/^kedge_sink_records_sent_total/ { s += $NF } END { printf "%d", s }'
}

cpu_seconds() {  # utime + stime of the whole process
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$agent_pid/stat"
}

stop_agent() {
  kill -INT "$agent_pid"; wait "$agent_pid" || true; agent_pid=
}

write_config "$work/app.log"
if [[ -n "${CALLGRIND:-}" ]]; then
  start_agent
  until [[ $(sent) -ge $lines ]]; do sleep 0.2; done
  stop_agent
  ir=$(callgrind_annotate "$CALLGRIND" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  echo "callgrind: $ir instructions for $lines lines = $((ir / lines)) per line"
  exit 0
fi
results=()
for run in 1 2 3; do
  start=$(date +%s.%N)
  start_agent
  until [[ $(sent) -ge $lines ]]; do
    if ! kill -0 "$agent_pid" 2>/dev/null; then echo "kedge exited:" >&2; cat "$work/agent.log" >&2; exit 1; fi
    sleep 0.05
  done
  end=$(date +%s.%N)
  cpu=$(cpu_seconds)
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$agent_pid/status")
  stop_agent
  result=$(awk -v n="$lines" -v w="$(echo "$end - $start" | bc)" -v c="$cpu" -v h="$hwm" 'BEGIN {
    printf "%.0f %.0f %.2f %.2f %.1f", n / c, n / w, w, c, h / 1024 }')
  results+=("$result")
  read -r per_cpu per_wall wall cpu peak <<< "$result"
  printf 'run %d: %d lines: wall %5.2f s = %8d lines/s; CPU %5.2f s = %8d lines/CPU-s; peak RSS %5.1f MB\n' \
    "$run" "$lines" "$wall" "$per_wall" "$cpu" "$per_cpu" "$peak"
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
per_cpu=() per_wall=()
for r in "${results[@]}"; do read -r c w _ <<< "$r"; per_cpu+=("$c"); per_wall+=("$w"); done
echo "median: $(median "${per_cpu[@]}") lines/CPU-s, $(median "${per_wall[@]}") lines/s wall"

# Idle footprint: one file source (1,000 lines, shipped), one kinesis sink, status server on,
# started as the systemd unit starts it (GNUTLS_NO_IMPLICIT_INIT=1, see kedge.service).
head -n 1000 "$work/app.log" > "$work/small.log"
write_config "$work/small.log"
export GNUTLS_NO_IMPLICIT_INIT=1
start_agent
until [[ $(sent) -ge 1000 ]]; do sleep 0.05; done
sleep 8  # settle (the agent trims its heap after 5 s quiet); measures, synchronises nothing
mb() { awk -v k="$1" '$1 == k":" { printf "%.1f", $2 / 1024 }' "$2"; }
threads=$(awk '/Threads/ { print $2 }' "/proc/$agent_pid/status")
uss=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { printf "%.1f", s / 1024 }' \
  "/proc/$agent_pid/smaps_rollup")
echo "idle: VmRSS $(mb VmRSS "/proc/$agent_pid/status") MB, VmHWM $(mb VmHWM "/proc/$agent_pid/status") MB," \
  "PSS $(mb Pss "/proc/$agent_pid/smaps_rollup") MB, USS $uss MB, $threads threads"
if [[ -n "${PMAP:-}" ]]; then
  pmap -x "$agent_pid" | sort -k3 -n | tail -n 12
fi
stop_agent

# The floor under that figure: a C program that links the same libcurl and makes one request
# to the same endpoint, nothing else (Debian's libcurl maps some thirty libraries: OpenSSL,
# GnuTLS for librtmp, Kerberos and LDAP, libssh2, nghttp2, libidn2, ...).
if command -v cc > /dev/null && [[ -f /usr/include/curl/curl.h || -f /usr/include/$(gcc -dumpmachine)/curl/curl.h ]]; then
  cat > "$work/floor.c" <<'C'
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, argv[1]);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fwrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, fopen("/dev/null", "w"));
  curl_easy_perform(c);
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (fgets(line, sizeof line, f)) if (strncmp(line, "VmRSS:", 6) == 0) fputs(line, stdout);
  return 0;
}
C
  cc -O2 -o "$work/floor" "$work/floor.c" -lcurl
  echo "floor: libcurl and one request alone: $("$work/floor" "$url" | awk '{ printf "VmRSS %.1f MB", $2 / 1024 }')"
fi
