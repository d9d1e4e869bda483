#!/usr/bin/env bash
# `kedge video put --source test` at 1280x720, 30 fps, 2 Mbit/s to a local kedge-ingest, against
# the encoder alone (videotestsrc ! x264enc ! h264parse ! fakesink, same settings) in the same
# run. Prints CPU seconds, kedge's extra CPU in % of the encoder's, peak RSS, and the ACK latency
# from fragment end to PERSISTED. Needs kedge and kedge-ingest built (-DKEDGE_WITH_INGEST=ON).
#   tests/bench/video/video_put_bench.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
build=${1:-build}
seconds=${2:-20}
frames=$((seconds * 30))
work=$(mktemp -d)
trap 'kill "$ingest_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$build/ingest/kedge-ingest" --listen 127.0.0.1:0 --data-dir "$work/data" \
  --access-key AKIDBENCH --secret-key bench-secret > "$work/ingest.out" 2>&1 &
ingest_pid=$!
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*' "$work/ingest.out" | head -n 1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/ingest.out"; exit 1; }

cpu() { awk '{ printf "%.2f", $3 + $4 }' "$1"; }

/usr/bin/time -f '%e %M %U %S' -o "$work/enc.time" gst-launch-1.0 -q videotestsrc is-live=true \
  num-buffers=$frames ! video/x-raw,width=1280,height=720,framerate=30/1 ! videoconvert \
  ! video/x-raw,format=I420 ! x264enc tune=zerolatency bframes=0 key-int-max=60 bitrate=2000 \
  speed-preset=veryfast option-string=scenecut=0 ! h264parse config-interval=-1 \
  ! video/x-h264,stream-format=avc,alignment=au ! fakesink > /dev/null

# HOME stays: a fresh one would make GStreamer rebuild its registry in a child process, whose
# memory /usr/bin/time would count.
AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret \
  /usr/bin/time -f '%e %M %U %S' -o "$work/kedge.time" "$build/agent/kedge" video put \
  --stream bench --create --endpoint "$url" --frames $frames --width 1280 --height 720 --fps 30 \
  --bitrate 2000 --fragment-seconds 2 --store-dir "$work/store" > "$work/kedge.out"

enc=$(cpu "$work/enc.time")
ked=$(cpu "$work/kedge.time")
awk -v e="$enc" -v k="$ked" -v er="$(awk '{print $2}' "$work/enc.time")" \
    -v kr="$(awk '{print $2}' "$work/kedge.time")" 'BEGIN {
  printf "encoder alone: CPU %6.2f s, peak RSS %5.1f MB\n", e, er / 1024
  printf "kedge video:   CPU %6.2f s, peak RSS %5.1f MB; extra CPU %+.1f %% of the encoder\n",
    k, kr / 1024, (k - e) * 100 / e
}'
tail -n 2 "$work/kedge.out"
