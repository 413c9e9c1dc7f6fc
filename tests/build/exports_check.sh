#!/usr/bin/env bash
# The dynamic symbols a generated library defines are its ABI and nothing
# else: compares `nm -D --defined-only LIB.so` with the expected list (one
# name per line, sorted), printing the difference.
# Usage: exports_check.sh LIB.so EXPECTED
set -euo pipefail
so=$1 expected=$2
actual=$(nm -D --defined-only "$so" | awk 'NF == 3 {print $3}' | sed 's/@.*//' | LC_ALL=C sort -u)
if ! diff -u <(LC_ALL=C sort -u "$expected") <(printf '%s\n' "$actual"); then
  echo "exports of $(basename "$so") differ from $(basename "$expected") (- expected, + exported)"
  exit 1
fi
echo "exports of $(basename "$so"): $(printf '%s\n' "$actual" | wc -l) symbols, as expected"
