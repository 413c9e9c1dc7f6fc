#!/usr/bin/env bash
# Installs the Debian packages ffirt needs, only those that are missing.
# `apt-get update` runs first only when something is missing.
# Usage: scripts/deps.sh            (everything make test needs)
set -euo pipefail
PKGS=(cmake make gcc g++ clang libclang-rt-14-dev pkg-config clang-format
      libuv1-dev libcmocka-dev libcbor-dev libglib2.0-dev
      googletest libgtest-dev python3 python3-pytest python3-cbor2 valgrind
      nats-server libnats-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing missing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
