#!/usr/bin/env bash
# The remote layer from an installed ffirt (docs/remote.md, "Install"):
# installs this build tree into a scratch prefix (plain install, then the
# example component my_timer), checks what the remote layer puts there
# (ffirt-serve, the client runtime and its header, ffirt-remote.pc, the
# exported ffirt::ffirt_remote_client, libmy_timer_remote.so), then builds
# tests/remote/install_consumer (a user's own ffirt_add_library() through
# find_package(ffirt COMPONENTS remote), which must give libecho_remote.so)
# and runs its host, linked against libecho_remote.so, against the
# installed ffirt-serve serving its libecho.so (tests/remote/with_nats.sh).
# Usage: install_remote_test.sh SOURCE_DIR BUILD_DIR   (env NATS_SERVER)
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
p="$work/prefix"
cmake --install "$build" --prefix "$p" >/dev/null
cmake --install "$build" --prefix "$p" --component my_timer >/dev/null
for f in bin/ffirt-serve lib/libffirt_remote_client.a include/ffirt/private/remote.h \
  lib/pkgconfig/ffirt-remote.pc lib/cmake/ffirt/ffirtRemoteTargets.cmake lib/libmy_timer_remote.so; do
  [ -e "$p/$f" ] || { echo "missing from the prefix: $f"; exit 1; }
done
flags=$(PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --cflags --libs ffirt-remote)
case "$flags" in *"$p/"*"include/ffirt/private"*"-lffirt_remote_client"*) ;;
  *) echo "pkg-config ffirt-remote: $flags"; exit 1 ;; esac
t0=$SECONDS
cmake -S "$src/tests/remote/install_consumer" -B "$work/c" -DCMAKE_PREFIX_PATH="$p" \
  -DFFIRT_SOURCE_DIR="$src" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/c" --target echo echo_remote host >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; exit 1; }
[ -e "$work/c/lib/libecho_remote.so" ] || { echo "no libecho_remote.so built"; ls -R "$work/c"; exit 1; }
out=$(FFIRT_SERVE="$p/bin/ffirt-serve" bash "$src/tests/remote/with_nats.sh" \
  --serve "$work/c/lib/libecho.so" -- "$work/c/host")
[ "$out" = "installed: HI installed" ] || { echo "the host printed: $out"; exit 1; }
# ffirt built without libnats installs no ffirtRemoteTargets.cmake: the
# package then has no remote component (OPTIONAL_COMPONENTS remote gives
# ffirt_remote_FOUND false and no lib<lib>_remote.so; COMPONENTS remote fails).
rm "$p"/lib/cmake/ffirt/ffirtRemoteTargets*.cmake
cmake -S "$src/tests/remote/install_consumer" -B "$work/n" -DCMAKE_PREFIX_PATH="$p" \
  -DFFIRT_SOURCE_DIR="$src" -DFFIRT_EXPECT_NO_REMOTE=ON >"$work/n.log" 2>&1 ||
  { cat "$work/n.log"; exit 1; }
if cmake -S "$src/tests/remote/install_consumer" -B "$work/r" -DCMAKE_PREFIX_PATH="$p" \
  -DFFIRT_SOURCE_DIR="$src" >"$work/r.log" 2>&1; then
  echo "find_package(ffirt COMPONENTS remote) succeeded without the remote layer"; exit 1
fi
grep -q "component remote: this ffirt was built without the remote layer" "$work/r.log" ||
  { echo "find_package(ffirt COMPONENTS remote) failed without saying why:"; cat "$work/r.log"; exit 1; }
echo "remote install: ok ($((SECONDS - t0)) s to build and run the consumer)"
