#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a
# consumer three ways: find_package from the prefix, find_package from the
# build tree, and pkg-config from the prefix; then imports the installed
# Python package of my_timer.
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
# The Python package of an example library: installed with its .so beside it,
# importable from the prefix's dist-packages with no library path set.
for pkg in "$work"/prefix/lib/python3*/dist-packages/my_timer; do
  [ -d "$pkg" ] || continue
  (cd "$work" && env -u LD_LIBRARY_PATH -u FFIRT_LIB_PATH PYTHONPATH="$(dirname "$pkg")" \
    /usr/bin/python3 -c 'import my_timer as m
with m.MyTimer.create(m.TimerConfig(name="inst")) as t:
    assert t.echo(m.EchoRequest("x", 0)).timer_name == "inst"
assert m._lib._name.startswith("'"$pkg"'/")')
done
echo "install: ok"
