#!/usr/bin/env bash
# Long runs behind `make soak` (not part of `make test`): churn, repeated
# races and valgrind. Each line of RUNS is "name|command"; add yours.
# Usage: scripts/soak.sh [build-dir]   (default: build). Exit 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
LOGDIR=build-logs
mkdir -p "$LOGDIR"

RUNS=(
  # context runtime: 100 000 create/destroy cycles, fds/threads/RSS flat
  "ctx-churn-100k|FFIRT_CHURN_CYCLES=100000 $B/tests/test_ctx_lifecycle"
  # context runtime: 8 callers racing destroy, 20 times over
  "ctx-race-x20|for i in \$(seq 20); do $B/tests/test_ctx_race || exit 1; done"
  # context runtime under valgrind (leaks, invalid accesses)
  "ctx-valgrind|FFIRT_CHURN_CYCLES=300 valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite $B/tests/test_ctx_lifecycle && valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite $B/tests/test_ctx_calls"
)

FAILED=0
for run in "${RUNS[@]}"; do
  name=${run%%|*}
  cmd=${run#*|}
  t0=$(date +%s)
  if bash -c "$cmd" >"$LOGDIR/soak-$name.log" 2>&1; then
    echo "soak $name: ok ($(( $(date +%s) - t0 ))s)"
  else
    echo "soak $name: FAILED ($(( $(date +%s) - t0 ))s), see $LOGDIR/soak-$name.log"
    tail -20 "$LOGDIR/soak-$name.log"
    FAILED=1
  fi
done
exit $FAILED
