#!/usr/bin/env bash
# Installs the runtime and the example library my_timer (ffirt_add_library
# ... INSTALL, component my_timer) into a scratch prefix, checks what landed
# where (host headers yes, the author's side no), imports the installed
# Python package, then builds and runs a host two ways: find_package(my_timer)
# and pkg-config my_timer.
# Usage: lib_install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
gen="$build/include/my_timer"
# Stand-ins for other languages' bindings beside the C files: whatever is
# there is installed (headers to include/, the rest to share/.../bindings).
probe_dir="$gen/zz_install_probe" probe_hpp="$gen/zz_install_probe.hpp"
trap 'rm -rf "$work" "$probe_dir" "$probe_hpp"' EXIT
mkdir -p "$probe_dir"
echo "probe" >"$probe_dir/module.txt"
echo "/* probe */" >"$probe_hpp"
p="$work/prefix"
cmake --install "$build" --prefix "$p" >/dev/null
[ ! -e "$p/lib/libmy_timer.so" ] || { echo "a plain install must not install the examples"; exit 1; }
cmake --install "$build" --prefix "$p" --component my_timer >/dev/null
for f in lib/libmy_timer.so include/my_timer/my_timer.h include/my_timer/my_timer_cbor.h \
  share/my_timer/my_timer.cddl lib/pkgconfig/my_timer.pc lib/cmake/my_timer/my_timerConfig.cmake \
  include/my_timer/zz_install_probe.hpp share/my_timer/bindings/zz_install_probe/module.txt; do
  [ -e "$p/$f" ] || { echo "missing from the prefix: $f"; exit 1; }
done
# With the remote layer (libnats found): lib<lib>_remote.so beside the library.
if [ -e "$build/lib/libmy_timer_remote.so" ]; then
  [ -e "$p/lib/libmy_timer_remote.so" ] || { echo "missing from the prefix: lib/libmy_timer_remote.so"; exit 1; }
  grep -q "my_timer::my_timer_remote" "$p"/lib/cmake/my_timer/my_timerTargets*.cmake ||
    { echo "my_timer::my_timer_remote is not exported"; exit 1; }
fi
for f in include/my_timer/my_timer_ffi.h include/my_timer/my_timer_ffi.c include/my_timer/my_timer.map \
  include/my_timer/my_timer_remote.c share/my_timer/bindings/my_timer_remote.c; do
  [ ! -e "$p/$f" ] || { echo "installed but private to the library: $f"; exit 1; }
done
# The Go module, when this build made one, with cgo flags for the prefix.
if [ -d "$build/go/mytimer" ]; then
  g="$p/share/my_timer/bindings/go/mytimer"
  [ -f "$g/go.mod" ] || { echo "the Go module was not installed"; exit 1; }
  grep -q -- "-L$p/lib" "$g/cgo_flags.go" || { echo "installed cgo_flags.go does not point into the prefix"; exit 1; }
fi
# The Python package, with a copy of the .so beside it: importable from the
# prefix's dist-packages with no library path set.
pydir=$(sed -n 's/^FFIRT_INSTALL_PYTHONDIR:PATH=//p' "$build/CMakeCache.txt")
if [ -n "$pydir" ]; then
  pkg="$p/$pydir/my_timer"
  [ -f "$pkg/__init__.py" ] && [ -f "$pkg/libmy_timer.so" ] ||
    { echo "the Python package was not installed in $pydir"; exit 1; }
  (cd "$work" && env -u LD_LIBRARY_PATH -u FFIRT_LIB_PATH PYTHONPATH="$p/$pydir" \
    /usr/bin/python3 -c 'import my_timer as m
with m.MyTimer.create(m.TimerConfig(name="inst")) as t:
    assert t.echo(m.EchoRequest("x", 0)).timer_name == "inst"
assert m._lib._name == "'"$pkg/libmy_timer.so"'", m._lib._name') ||
    { echo "the installed Python package does not work"; exit 1; }
fi
cmake -S "$src/tests/build/lib_consumer" -B "$work/c" -DCMAKE_PREFIX_PATH="$p" >/dev/null
cmake --build "$work/c" >/dev/null
LD_LIBRARY_PATH="$p/lib" "$work/c/lib_consumer"
flags=$(PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --cflags --libs my_timer)
case "$flags" in *"$p/"*) ;; *) echo "pkg-config paths do not point into the prefix: $flags"; exit 1 ;; esac
# shellcheck disable=SC2086
cc -o "$work/pc" "$src/tests/build/lib_consumer/main.c" $flags -Wl,-rpath,"$p/lib"
"$work/pc"
echo "library install: ok"
