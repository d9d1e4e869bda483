#!/bin/sh
# Builds a sysroot for cross-compiling kedge: the Debian -dev packages of the target
# architecture and their dependencies, downloaded with apt-get and unpacked with dpkg -x (not
# installed: multiarch installs must match the host's package versions exactly, which a mirror
# mid-sync or a host behind on updates does not give, and some -dev packages are not
# Multi-Arch: same). Needs `dpkg --add-architecture ARCH && apt-get update` done once.
#
#   make-sysroot.sh ARCH DIR [EXTRA-PACKAGE...]     ARCH: arm64 or armhf
#
# DIR/debs keeps the .debs; scripts/package reads their shlibs files for the package
# dependencies (see shlibdeps.sh). Run again with more packages (scripts/package adds the
# GStreamer, Boost and FFmpeg ones for video and ingest) to add them and their dependencies:
# .debs already in DIR/debs are not fetched again.
set -eu

arch=$1
root=$2
shift 2

# What kedge builds against with video and ingest off (the defaults of cross builds).
packages="libc6-dev libstdc++-12-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev
  libyaml-cpp-dev libgtest-dev libgmock-dev libpaho-mqtt-dev libpaho-mqttpp-dev
  libsystemd-dev $*"

if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "make-sysroot: run first: dpkg --add-architecture $arch && apt-get update" >&2
  exit 1
fi

mkdir -p "$root/debs"
list=""
for p in $packages; do list="$list $p:$arch"; done
# The dependency closure, keeping real packages of the target architecture only.
# shellcheck disable=SC2086 # word splitting of the package list is intended
names=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances $list 2>/dev/null |
  sed -n "s/^\([a-z0-9][a-z0-9.+-]*:$arch\)\$/\1/p" | sort -u)
# Headers that are Architecture: all (found by find_package inside the sysroot).
names="$names nlohmann-json3-dev"

cd "$root/debs"
fetch=""
for name in $names; do
  # apt-get download names files NAME_VERSION_ARCH.deb (an epoch's ':' as %3a).
  ls "${name%%:*}"_*_"${arch}".deb "${name%%:*}"_*_all.deb >/dev/null 2>&1 || fetch="$fetch $name"
done
if [ -n "$fetch" ]; then
  # shellcheck disable=SC2086
  apt-get download $fetch >/dev/null 2>&1 || {
    echo "make-sysroot: apt-get download failed for some of:$fetch" >&2
    exit 1
  }
fi
cd - >/dev/null
for deb in "$root"/debs/*.deb; do
  [ -f "$root/debs/.unpacked-$(basename "$deb")" ] && continue
  dpkg -x "$deb" "$root"
  touch "$root/debs/.unpacked-$(basename "$deb")"
done
# Absolute symlinks point into the host; make them relative to the sysroot.
find "$root" -type l -lname '/*' | while read -r link; do
  target=$(readlink "$link")
  case "$target" in "$root"/*) continue ;; esac  # done by an earlier run
  ln -sfn "$root$target" "$link"
done
echo "sysroot for $arch in $root ($(find "$root/debs" -name "*.deb" | wc -l) packages)"
