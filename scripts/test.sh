#!/usr/bin/env bash
# Runs the test suites of `make test` and prints one summary line per suite:
#   unit, asan (AddressSanitizer+UBSan), tsan (ThreadSanitizer, label
#   "concurrency"), fuzz (a short libFuzzer run of every target), format.
# Usage: scripts/test.sh [suite ...]   (default: all). Exit 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
SUITES=("$@")
[ ${#SUITES[@]} -eq 0 ] && SUITES=(format unit asan tsan fuzz)
declare -A RESULT
FAILED=0
LOGDIR=build-logs
mkdir -p "$LOGDIR"

configure_build() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >"$LOGDIR/$dir-configure.log" 2>&1 &&
    cmake --build "$dir" -j "$JOBS" >"$LOGDIR/$dir-build.log" 2>&1
}

# ctest summary "N% tests passed, F tests failed out of T" -> "P passed, F failed"
run_ctest() { # suite dir ctest-args...
  local suite=$1 dir=$2; shift 2
  local log="$LOGDIR/$suite-ctest.log"
  (cd "$dir" && ctest --output-on-failure -j "$JOBS" "$@") >"$log" 2>&1
  local rc=$?
  tail -n 40 "$log"
  local line total=0 failed=0
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  if [ -n "$line" ]; then
    failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
    RESULT[$suite]="$((total - failed)) passed, $failed failed"
  else
    RESULT[$suite]="0 passed, 1 failed"
    rc=1
  fi
  [ "$total" = "0" ] && rc=1
  return $rc
}

suite_unit() {
  configure_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo || { cat "$LOGDIR/build-build.log" | tail -50; RESULT[unit]="0 passed, 1 failed"; return 1; }
  run_ctest unit build
}
suite_asan() {
  configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DFFIRT_SANITIZE=address,undefined -DFFIRT_BUILD_BENCH=OFF ||
    { tail -50 "$LOGDIR/build-asan-build.log"; RESULT[asan]="0 passed, 1 failed"; return 1; }
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest asan build-asan -LE nosan
}
suite_tsan() {
  configure_build build-tsan -DCMAKE_BUILD_TYPE=Debug -DFFIRT_SANITIZE=thread -DFFIRT_BUILD_BENCH=OFF ||
    { tail -50 "$LOGDIR/build-tsan-build.log"; RESULT[tsan]="0 passed, 1 failed"; return 1; }
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run_ctest tsan build-tsan -L concurrency -LE nosan
}
suite_fuzz() {
  CC=clang CXX=clang++ configure_build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFFIRT_FUZZ=ON \
    -DFFIRT_BUILD_TESTS=OFF -DFFIRT_BUILD_BENCH=OFF -DFFIRT_BUILD_EXAMPLES=OFF ||
    { tail -50 "$LOGDIR/build-fuzz-build.log"; RESULT[fuzz]="0 passed, 1 failed"; return 1; }
  local pass=0 fail=0
  while read -r name corpus; do
    [ -z "$name" ] && continue
    local work="build-fuzz/corpus-$name"
    mkdir -p "$work"
    if "build-fuzz/fuzz/$name" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 "$work" ${corpus:+"$corpus"} \
      >"$LOGDIR/fuzz-$name.log" 2>&1; then
      pass=$((pass + 1)); echo "fuzz $name: ok"
    else
      fail=$((fail + 1)); echo "fuzz $name: FAILED"; tail -30 "$LOGDIR/fuzz-$name.log"
    fi
  done <build-fuzz/fuzz_targets.txt
  RESULT[fuzz]="$pass passed, $fail failed"
  [ $fail -eq 0 ] && [ $pass -gt 0 ]
}
suite_format() {
  local files pass=0 fail=0
  files=$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' '*.cc' '*.cpp' | grep -v '^tests/golden/' || true)
  for f in $files; do
    [ -f "$f" ] || continue
    if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then pass=$((pass + 1)); else
      fail=$((fail + 1)); echo "format: $f is not clang-formatted"; fi
  done
  RESULT[format]="$pass passed, $fail failed"
  [ $fail -eq 0 ]
}

START=$(date +%s)
for s in "${SUITES[@]}"; do
  echo "=== suite $s"
  t0=$(date +%s)
  if ! "suite_$s"; then FAILED=1; fi
  echo "=== suite $s took $(( $(date +%s) - t0 ))s"
done
echo
echo "=== summary ($(( $(date +%s) - START ))s)"
for s in "${SUITES[@]}"; do echo "$s: ${RESULT[$s]:-0 passed, 1 failed}"; done
exit $FAILED
