#!/usr/bin/env bash
# lib<lib>_remote.so exports the host-facing symbols of lib<lib>.so: the
# expected list of lib<lib>.so minus <lib>_ffirt_* (the descriptor, which
# only ffirt-serve reads from the real library).
# Usage: remote_exports.sh REMOTE.so EXPECTED
set -euo pipefail
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
grep -v '_ffirt_' "$2" >"$tmp"
exec "$(dirname "$0")/../build/exports_check.sh" "$1" "$tmp"
