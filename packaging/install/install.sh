#!/usr/bin/env bash
# Installs kedge on a Raspberry Pi, a Jetson or any Debian/Ubuntu machine from a .deb:
# detects the architecture, the board and the camera stack (libcamera, V4L2, Argus), installs
# the package with the GStreamer plugins the cameras need, adds you to the groups that reach
# the cameras and kedge's files, notes the detected cameras in /etc/kedge/kedge.yaml and
# prints what to do next. kedge is not started: the config names no sink yet.
#
#   sudo ./install.sh [--deb FILE] [--no-video] [--dry-run]
#     --deb FILE   the package (default: kedge_*_<arch>.deb beside this script or in .)
#     --no-video   skip the GStreamer plugins
#     --dry-run    print what would be done, change nothing
# KEDGE_INSTALL_FAKE_ROOT=DIR reads /proc, /sys, /etc and /tmp from DIR (for tests, with
# --dry-run).
set -euo pipefail
fake=${KEDGE_INSTALL_FAKE_ROOT:-}

deb=""
video=1
dry_run=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --deb) deb=${2:?--deb needs a file}; shift 2 ;;
    --no-video) video=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m%s\033[0m\n' "$*"; }
run() {  # runs a command, or prints it under --dry-run
  if [[ $dry_run == 1 ]]; then printf '  would run: %s\n' "$*"; else "$@"; fi
}
die() { echo "install.sh: $*" >&2; exit 1; }

if [[ $dry_run == 0 && $(id -u) != 0 ]]; then
  die "run as root: sudo $0 $*"
fi
command -v dpkg >/dev/null || die "this installer needs a Debian-based system (dpkg, apt-get)"

# --- What machine is this -----------------------------------------------------------------
arch=$(dpkg --print-architecture)
case "$arch" in
  amd64|arm64|armhf) ;;
  *) die "no kedge package for architecture '$arch' (amd64, arm64, armhf); build from source: docs/install.md" ;;
esac
distro="unknown"
if [[ -r $fake/etc/os-release ]]; then
  # shellcheck disable=SC1091 # present on every Debian-based system, checked above
  distro=$(. "$fake/etc/os-release" && echo "${ID:-unknown} ${VERSION_CODENAME:-${VERSION_ID:-}}")
fi
board="generic"
model=""
[[ -r $fake/proc/device-tree/model ]] && model=$(tr -d '\0' <"$fake/proc/device-tree/model")
if [[ -r $fake/etc/nv_tegra_release || $model == *Jetson* ]]; then
  board="jetson"
elif [[ $model == Raspberry* ]]; then
  board="raspberrypi"
fi
say "Machine: $arch, $distro, board: $board${model:+ ($model)}"

# --- Cameras -------------------------------------------------------------------------------
cameras=()   # "source|description", in kedge's camera source syntax (docs/video_capture.md)
if [[ $board == jetson ]] && { [[ -S $fake/tmp/argus_socket ]] ||
    systemctl list-unit-files nvargus-daemon.service >/dev/null 2>&1; }; then
  cameras+=("nvargus:0|CSI camera through nvargus-daemon (Argus)")
fi
if [[ $board == raspberrypi ]] && { command -v rpicam-hello >/dev/null ||
    command -v libcamera-hello >/dev/null || compgen -G "$fake/usr/lib/*/libcamera.so*" >/dev/null; }; then
  cameras+=("libcamera|camera module through libcamera")
fi
for dev in "$fake"/sys/class/video4linux/video*; do
  [[ -e $dev ]] || continue
  name=$(cat "$dev/name" 2>/dev/null || echo unknown)
  # Skip the SoC's codec, ISP and CSI nodes: they are not cameras to open directly.
  case "$name" in
    *codec*|*isp*|*unicam*|*bcm2835*|*rpi-hevc*|*rp1-cfe*|*nvhost*|*tegra*) continue ;;
  esac
  cameras+=("v4l2:/dev/$(basename "$dev")|$name (V4L2)")
done
if [[ ${#cameras[@]} -eq 0 ]]; then
  say "Cameras: none found (a test source still works: source: test)"
else
  say "Cameras:"
  for c in "${cameras[@]}"; do echo "  ${c%%|*}  ${c#*|}"; done
fi

# --- Packages -------------------------------------------------------------------------------
if [[ -z $deb ]]; then
  here=$(cd "$(dirname "$0")" && pwd)
  deb=$(find "$here" . -maxdepth 1 -name "kedge_*_${arch}.deb" 2>/dev/null | sort -V | tail -n 1)
  [[ -n $deb ]] || die "no kedge_*_${arch}.deb beside this script or in $(pwd); pass --deb FILE (scripts/package builds it)"
fi
[[ -r $deb ]] || die "cannot read $deb"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

gst=()
if [[ $video == 1 ]]; then
  # h264parse is in -bad; v4l2src and the Pi's v4l2h264enc in -good; x264enc (software
  # encoding for cameras without H.264 and no hardware encoder) in -ugly.
  gst=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
       gstreamer1.0-plugins-bad)
  [[ $board != jetson ]] && gst+=(gstreamer1.0-plugins-ugly)
  for c in "${cameras[@]}"; do
    [[ ${c%%|*} == libcamera ]] && gst+=(gstreamer1.0-libcamera)
  done
  # Jetson's nvarguscamerasrc and nvv4l2h264enc come with JetPack (nvidia-l4t-gstreamer).
fi

say "Installing $(basename "$deb") ${gst[*]}"
run apt-get update -q
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" "${gst[@]}"

if [[ $board == jetson ]]; then
  say "Jetson: sharing /tmp with nvargus-daemon (drop-in jetson-argus.conf)"
  run install -D -m 0644 /usr/share/kedge/jetson-argus.conf \
    /etc/systemd/system/kedge.service.d/jetson-argus.conf
  run systemctl daemon-reload
fi

# The user who ran sudo: cameras (video) and kedge's config and state (kedge).
user=${SUDO_USER:-}
if [[ -n $user && $user != root ]]; then
  for group in video kedge; do
    if getent group "$group" >/dev/null || [[ $dry_run == 1 ]]; then
      run adduser "$user" "$group"
    fi
  done
fi

# --- Starter config --------------------------------------------------------------------------
config=/etc/kedge/kedge.yaml
if [[ ${#cameras[@]} -gt 0 ]] && { [[ $dry_run == 1 ]] || ! grep -q '^# Cameras found by install.sh' "$config"; }; then
  say "Noting the cameras in $config"
  block=$'\n# Cameras found by install.sh (see docs/video_capture.md); uncomment one with a sink:\n# cameras:'
  n=0
  for c in "${cameras[@]}"; do
    block+=$'\n'"#   - name: cam$n"$'\n'"#     source: ${c%%|*}          # ${c#*|}"
    n=$((n + 1))
  done
  if [[ $dry_run == 1 ]]; then
    printf '  would append to %s:%s\n' "$config" "$block"
  else
    printf '%s\n' "$block" >>"$config"
  fi
fi

camera_hint=""
[[ ${#cameras[@]} -gt 0 ]] && camera_hint=", a camera"
groups_hint=""
[[ -n $user && $user != root ]] && groups_hint="Log out and in again so that the new groups of $user apply."
cat <<NEXT

kedge is installed but not started: $config names no sink yet.
Next:
  1. Edit $config: a sink (Kinesis stream, Firehose or kedge-ingest) and sources$camera_hint.
  2. AWS credentials for the service: sudo systemctl edit kedge  (Environment=AWS_REGION=...,
     or an AWS IoT certificate; see /usr/share/doc/kedge/install.md)
  3. kedge check-config --config $config
  4. sudo systemctl enable --now kedge && journalctl -u kedge -f
$groups_hint
NEXT
