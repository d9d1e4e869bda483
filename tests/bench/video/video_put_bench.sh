#!/usr/bin/env bash
# `kedge video put --source test` at 1280x720, 30 fps, 2 Mbit/s to a local kedge-ingest, against
# the encoder alone (videotestsrc ! x264enc ! h264parse ! fakesink, same settings) in the same
# run, RUNS times each (alternating). Reports the medians: CPU seconds, kedge's extra CPU in % of
# the encoder's (target <= 5 %), peak RSS (target <= 60 MB), and the ACK latency p50 from
# fragment end to PERSISTED on loopback (target <= fragment duration + 200 ms). Exits 1 when a
# target is missed. Needs kedge and kedge-ingest built (-DKEDGE_WITH_INGEST=ON).
#   tests/bench/video/video_put_bench.sh [BUILD_DIR] [SECONDS] [RUNS]
set -euo pipefail
build=${1:-build}
seconds=${2:-20}
runs=${3:-3}
fragment_ms=2000
frames=$((seconds * 30))
work=$(mktemp -d)
trap 'kill "$ingest_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$build/ingest/kedge-ingest" --listen 127.0.0.1:0 --data-dir "$work/data" \
  --access-key AKIDBENCH --secret-key bench-secret > "$work/ingest.out" 2>&1 &
ingest_pid=$!
for _ in $(seq 100); do  # bounded wait for the address it prints
  url=$(grep -o 'http://[0-9.:]*' "$work/ingest.out" | head -n 1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/ingest.out"; exit 1; }

# "elapsed peak_rss_kb user sys" from /usr/bin/time.
encoder() {
  /usr/bin/time -f '%e %M %U %S' -o "$1" gst-launch-1.0 -q videotestsrc is-live=true \
    num-buffers=$frames ! video/x-raw,width=1280,height=720,framerate=30/1 ! videoconvert \
    ! video/x-raw,format=I420 ! x264enc tune=zerolatency bframes=0 key-int-max=60 bitrate=2000 \
    speed-preset=veryfast option-string=scenecut=0 ! h264parse config-interval=-1 \
    ! video/x-h264,stream-format=avc,alignment=au ! fakesink > /dev/null
}
# HOME stays: a fresh one would make GStreamer rebuild its registry in a child process, whose
# memory /usr/bin/time would count.
kedge() {
  AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret \
    /usr/bin/time -f '%e %M %U %S' -o "$1" "$build/agent/kedge" video put \
    --stream bench --create --endpoint "$url" --frames $frames --width 1280 --height 720 \
    --fps 30 --bitrate 2000 --fragment-seconds $((fragment_ms / 1000)) \
    --store-dir "$work/store" > "$2"
}
cpu() { awk '{ printf "%.2f", $3 + $4 }' "$1"; }
rss_mb() { awk '{ printf "%.1f", $2 / 1024 }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/rows"
for i in $(seq "$runs"); do
  encoder "$work/enc.$i" || { echo "run $i: the encoder alone failed"; cat "$work/enc.$i"; exit 1; }
  if ! kedge "$work/kedge.$i" "$work/kedge.$i.out" 2> "$work/kedge.$i.err"; then
    echo "run $i: kedge video put failed:"; tail -n 5 "$work/kedge.$i.out" "$work/kedge.$i.err"
    exit 1
  fi
  p50=$( (grep -o 'p50 -\?[0-9]* ms' "$work/kedge.$i.out" || true) | awk '{ print $2 }')
  # /usr/bin/time adds a "Command exited" line first when the status is not 0: use the last.
  for f in "$work/enc.$i" "$work/kedge.$i"; do tail -n 1 "$f" > "$f.1" && mv "$f.1" "$f"; done
  e=$(cpu "$work/enc.$i"); k=$(cpu "$work/kedge.$i")
  extra=$(awk -v e="$e" -v k="$k" 'BEGIN { printf "%.1f", (k - e) * 100 / e }')
  printf 'run %d: encoder %6.2f s CPU %5.1f MB | kedge %6.2f s CPU %5.1f MB, extra %+5.1f %%, ACK p50 %s ms\n' \
    "$i" "$e" "$(rss_mb "$work/enc.$i")" "$k" "$(rss_mb "$work/kedge.$i")" "$extra" "$p50"
  echo "$e $k $extra $(rss_mb "$work/enc.$i") $(rss_mb "$work/kedge.$i") ${p50:-999999}" >> "$work/rows"
done

col() { awk -v c="$1" '{ print $c }' "$work/rows" | median; }
enc=$(col 1); ked=$(col 2); extra=$(col 3); enc_rss=$(col 4); ked_rss=$(col 5); p50=$(col 6)
echo "medians of $runs runs of $seconds s:"
echo "  encoder alone: CPU $enc s, peak RSS $enc_rss MB"
echo "  kedge video:   CPU $ked s, peak RSS $ked_rss MB; extra CPU $extra % of the encoder (target <= 5 %)"
echo "  ACK latency p50 from fragment end: $p50 ms (target <= $((fragment_ms + 200)) ms)"
fail=0
awk -v x="$extra" 'BEGIN { exit !(x <= 5) }' || { echo "MISSED: extra CPU"; fail=1; }
awk -v x="$ked_rss" 'BEGIN { exit !(x <= 60) }' || { echo "MISSED: peak RSS"; fail=1; }
awk -v x="$p50" -v t=$((fragment_ms + 200)) 'BEGIN { exit !(x <= t) }' || { echo "MISSED: ACK latency"; fail=1; }
exit $fail
