#!/usr/bin/env bash
# Installs the Debian packages ffirt needs, only those that are missing.
# `apt-get update` runs first only when something is missing.
# Usage: scripts/deps.sh            (everything make test needs)
#        scripts/deps.sh build      (only what building and installing need)
set -euo pipefail
if [ "${1:-}" = build ]; then
  PKGS=(cmake make gcc pkg-config libuv1-dev)
else
  PKGS=(cmake make gcc g++ clang libclang-rt-14-dev pkg-config clang-format
        libuv1-dev libcmocka-dev libcbor-dev libglib2.0-dev
        googletest libgtest-dev python3 python3-pytest python3-cbor2 python3-cryptography valgrind
        nats-server libnats-dev)
fi
# cargo (the Rust binding's tests): Debian's package only when no cargo is
# on the PATH or in ~/.cargo (a rustup toolchain does as well).
if [ "${1:-}" != build ]; then
  command -v cargo >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/cargo" ] || PKGS+=(cargo)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Go (the Go binding's tests): any go on PATH will do, else Debian's.
if [ "${1:-}" != build ] && ! command -v go >/dev/null 2>&1; then
  dpkg-query -W -f='${Status}' golang-go 2>/dev/null | grep -q "install ok installed" ||
    missing+=(golang-go)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing missing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
