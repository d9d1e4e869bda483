#!/bin/bash
# dpkg-shlibdeps for a binary built against a make-sysroot.sh sysroot: the Debian dependencies
# of its NEEDED libraries, read from the shlibs files of the .debs the sysroot was unpacked
# from (dpkg-shlibdeps itself needs the libraries installed through dpkg). Prints one
# Depends value, e.g. "libc6 (>= 2.36), libssl3 (>= 3.0.0)".
#
#   shlibdeps.sh TRIPLET SYSROOT BINARY...
set -euo pipefail

triplet=$1
sysroot=$2
shift 2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# soname -> shlibs line of the package that ships it.
for deb in "$sysroot"/debs/*.deb; do
  dpkg-deb -I "$deb" shlibs 2>/dev/null >>"$work/shlibs" || true
done

for binary in "$@"; do
  "$triplet-objdump" -p "$binary" | awk '$1 == "NEEDED" { print $2 }'
done | sort -u | while read -r soname; do
  # libssl.so.3 -> "libssl 3"; libfoo-1.2.so -> "libfoo-1.2" with an empty version.
  case "$soname" in
    *.so.*) name=${soname%%.so.*} version=${soname#*.so.} ;;
    *) name=${soname%.so} version="" ;;
  esac
  dep=$(awk -v n="$name" -v v="$version" \
    '$1 !~ /:$/ && $1 == n && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' \
    "$work/shlibs")
  if [ -z "$dep" ]; then
    echo "shlibdeps: no package in $sysroot/debs declares $soname" >&2
    exit 1
  fi
  echo "$dep"
done | sort -u | paste -sd, - | sed 's/,/, /g'
