#!/usr/bin/env bash
# Diagnostics tests: runs `ffirt-gen --check` on every tests/gen/diag/*.ffi
# and compares its stderr byte for byte with the .expected file beside it,
# and its exit status with the one the expectation implies (1 when the
# count line reports errors, else 0). Prints a diff for every mismatch.
# Usage: run_diag.sh FFIRT_GEN DIAG_DIR [--update]
#   --update rewrites the .expected files from the current output (on
#   purpose only: review the diff before committing).
set -uo pipefail
gen=$1
dir=$2
update=${3:-}
cd "$dir" || exit 2
fail=0
count=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in *.ffi; do
  count=$((count + 1))
  exp="${f%.ffi}.expected"
  "$gen" --check "$f" >/dev/null 2>"$tmp"
  rc=$?
  if [ "$update" = "--update" ]; then
    cp "$tmp" "$exp"
    continue
  fi
  if [ ! -f "$exp" ]; then
    echo "FAIL $f: missing $exp"
    fail=$((fail + 1))
    continue
  fi
  want_rc=0
  grep -qE '^[0-9]+ errors?( generated|,)' "$exp" && want_rc=1
  if ! diff -u "$exp" "$tmp" >/dev/null; then
    echo "FAIL $f: diagnostics differ (--- expected, +++ actual):"
    diff -u "$exp" "$tmp" | sed 's/^/    /'
    fail=$((fail + 1))
  elif [ "$rc" -ne "$want_rc" ]; then
    echo "FAIL $f: exit status $rc, expected $want_rc"
    fail=$((fail + 1))
  fi
done
[ "$count" -gt 0 ] || { echo "no .ffi files in $dir"; exit 1; }
echo "$((count - fail)) of $count diagnostics files match"
[ "$fail" -eq 0 ]
