#!/usr/bin/env bash
# Tests install.sh's detection with --dry-run against fake Raspberry Pi and Jetson trees
# (KEDGE_INSTALL_FAKE_ROOT): board, cameras, GStreamer packages, the Jetson drop-in.
set -euo pipefail
script=$(cd "$(dirname "$0")" && pwd)/install.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
expect() {  # expect <name> <output> <yes|no> <text>
  if grep -qF -- "$4" <<<"$2"; then found=yes; else found=no; fi
  if [[ $found != "$3" ]]; then
    if [[ $3 == yes ]]; then want=present; else want=absent; fi
    echo "FAIL: $1: expected '$4' to be $want in:"
    echo "$2"
    failures=$((failures + 1))
  fi
}
touch "$work/kedge_0.1.0-1_arm64.deb"
camera() {  # camera <root> <node> <name>
  mkdir -p "$1/sys/class/video4linux/$2"
  echo "$3" >"$1/sys/class/video4linux/$2/name"
}

pi=$work/pi
mkdir -p "$pi/proc/device-tree" "$pi/etc" "$pi/usr/lib/aarch64-linux-gnu"
printf 'Raspberry Pi 5 Model B Rev 1.0\0' >"$pi/proc/device-tree/model"
printf 'ID=debian\nVERSION_CODENAME=bookworm\n' >"$pi/etc/os-release"
touch "$pi/usr/lib/aarch64-linux-gnu/libcamera.so.0.3"
camera "$pi" video0 rp1-cfe
camera "$pi" video20 pispbe
camera "$pi" video8 "HD Pro Webcam C920"
out=$(KEDGE_INSTALL_FAKE_ROOT=$pi SUDO_USER=pi "$script" --dry-run --deb "$work/kedge_0.1.0-1_arm64.deb" 2>&1)
expect pi "$out" yes "board: raspberrypi"
expect pi "$out" yes "debian bookworm"
expect pi "$out" yes "libcamera  camera module through libcamera"
expect pi "$out" yes "v4l2:/dev/video8  HD Pro Webcam C920 (V4L2)"
expect pi "$out" no "/dev/video0"
expect pi "$out" no "/dev/video20"
expect pi "$out" yes "gstreamer1.0-libcamera"
expect pi "$out" yes "gstreamer1.0-plugins-ugly"
expect pi "$out" yes "would run: adduser pi video"
expect pi "$out" yes "#     source: libcamera"
expect pi "$out" no "jetson-argus.conf"

jetson=$work/jetson
mkdir -p "$jetson/proc/device-tree" "$jetson/etc" "$jetson/tmp"
printf 'NVIDIA Jetson Orin Nano Developer Kit\0' >"$jetson/proc/device-tree/model"
echo "# R36 (release), REVISION: 3.0" >"$jetson/etc/nv_tegra_release"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$jetson/tmp/argus_socket"
out=$(KEDGE_INSTALL_FAKE_ROOT=$jetson "$script" --dry-run --deb "$work/kedge_0.1.0-1_arm64.deb" 2>&1)
expect jetson "$out" yes "board: jetson"
expect jetson "$out" yes "nvargus:0  CSI camera through nvargus-daemon (Argus)"
expect jetson "$out" yes "/etc/systemd/system/kedge.service.d/jetson-argus.conf"
expect jetson "$out" no "gstreamer1.0-plugins-ugly"
expect jetson "$out" no "libcamera"

out=$(KEDGE_INSTALL_FAKE_ROOT=$jetson "$script" --dry-run --no-video --deb "$work/kedge_0.1.0-1_arm64.deb" 2>&1)
expect no-video "$out" no "gstreamer1.0-plugins-base"

if out=$("$script" --dry-run --deb "$work/missing.deb" 2>&1); then
  echo "FAIL: a missing .deb should fail"; failures=$((failures + 1))
fi
expect missing-deb "$out" yes "cannot read $work/missing.deb"

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "ok: install.sh detection (Raspberry Pi, Jetson, options)"
