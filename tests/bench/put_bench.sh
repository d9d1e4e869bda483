#!/usr/bin/env bash
# `kedge put` end to end: 1,000,000 records of 100 bytes over 1,000 partition keys to a local
# endpoint that answers at once (16 shards). Prints records/s and peak RSS for aggregation on
# and off. Needs a build with -DKEDGE_BUILD_BENCH=ON.
#   tests/bench/put_bench.sh [BUILD_DIR] [RECORDS]
set -euo pipefail
build=${1:-build}
records=${2:-1000000}
work=$(mktemp -d)
trap 'exec 3>&-; rm -rf "$work"' EXIT

awk -v n="$records" 'BEGIN {
  for (i = 0; i < n; i++) {
    line = sprintf("{\"k\":\"key-%04d\",\"seq\":\"%09d\",\"v\":\"", i % 1000, i)
    while (length(line) < 98) line = line "x"
    print line "\"}"
  }
}' > "$work/records.jsonl"

coproc ENDPOINT { "$build/tests/bench/put_bench_endpoint" 16; }
exec 3>&"${ENDPOINT[1]}"
read -r _ url <&"${ENDPOINT[0]}"
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1

run() {
  local label=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$build/agent/kedge" put --stream bench \
    --endpoint "$url" --partition-key-field k --rate-limit 0 "$@" "$work/records.jsonl" \
    2> "$work/err" || { cat "$work/err"; exit 1; }
  read -r secs rss_kb user sys < "$work/time"
  # Wall time suffers on a shared machine; CPU time says what one core would do.
  awk -v l="$label" -v n="$records" -v s="$secs" -v r="$rss_kb" -v c="$(echo "$user + $sys" | bc)" 'BEGIN {
    printf "%-14s %8d records: wall %6.2f s = %8.0f rec/s; CPU %6.2f s = %8.0f rec/CPU-s; peak RSS %5.1f MB\n",
      l, n, s, n / s, c, n / c, r / 1024
  }'
  tail -n 1 "$work/err"
}
run aggregated
run aggregated
run aggregated
run unaggregated --no-aggregation
