#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a
# consumer three ways: find_package from the prefix, find_package from the
# build tree, and pkg-config from the prefix.
# Usage: install_test.sh SOURCE_DIR BUILD_DIR VERSION
set -euo pipefail
src=$1 build=$2 version=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
for how in prefix tree; do
  if [ $how = prefix ]; then arg=(-DCMAKE_PREFIX_PATH="$work/prefix"); else arg=(-Dffirt_DIR="$build"); fi
  cmake -S "$src/tests/build/consumer" -B "$work/c-$how" "${arg[@]}" >/dev/null
  cmake --build "$work/c-$how" >/dev/null
  LD_LIBRARY_PATH="$work/prefix/lib" "$work/c-$how/consumer" "$version"
done
flags=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs ffirt)
case "$flags" in *"$work/prefix/"*) ;; *) echo "pkg-config paths do not point into the prefix: $flags"; exit 1 ;; esac
# shellcheck disable=SC2086
cc -o "$work/pc" "$src/tests/build/consumer/main.c" $flags -Wl,-rpath,"$work/prefix/lib"
"$work/pc" "$version"
echo "install: ok"
