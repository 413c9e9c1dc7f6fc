#!/bin/sh
# Runs the demo and diffs its stdout against the expected transcript.
# Usage: demo_diff.sh path/to/my_timer_demo tests/e2e/demo.expected
# Refresh the transcript on purpose with: my_timer_demo > tests/e2e/demo.expected
set -u
demo=$1
expected=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$demo" >"$out"
rc=$?
if [ $rc -ne 0 ]; then
  echo "demo exited with status $rc" >&2
  cat "$out" >&2
  exit 1
fi
diff -u "$expected" "$out"
