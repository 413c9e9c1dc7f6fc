#!/usr/bin/env bash
# The ffirt-gen command line: exit statuses (0 ok, 1 IDL errors, 2 usage),
# --help, --version, -o and --lang, messages on stderr.
# Usage: cli_check.sh FFIRT_GEN TESTS_GEN_DIR WORKDIR
set -uo pipefail
gen=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
fail=0
check() { # name expected-status command...
  local name=$1 want=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want"; cat "$work/err"; fail=1
  fi
}
expect_in() { # name file text
  if ! grep -qF -- "$3" "$2"; then
    echo "FAIL $1: '$3' not in $(basename "$2"):"; cat "$2"; fail=1
  fi
}

check help 0 "$gen" --help
expect_in help "$work/out" "usage: ffirt-gen [-o OUTDIR] [--lang LANGS] FILE.ffi"
check version 0 "$gen" --version
expect_in version "$work/out" "ffirt-gen 0."
expect_in version "$work/out" "(ffirt 0."
check no-file 2 "$gen"
expect_in no-file "$work/err" "missing the IDL file argument"
check unknown-option 2 "$gen" --frobnicate "$src/my_timer.ffi"
expect_in unknown-option "$work/err" "unknown option '--frobnicate'"
check unknown-lang 2 "$gen" --lang c,cobol "$src/my_timer.ffi"
expect_in unknown-lang "$work/err" "unknown language 'cobol'"
check unreadable 2 "$gen" "$work/does-not-exist.ffi"
expect_in unreadable "$work/err" "cannot read '$work/does-not-exist.ffi'"
check directory 2 "$gen" "$src"
expect_in directory "$work/err" "cannot read '$src': Is a directory"
check two-files 2 "$gen" a.ffi b.ffi
check idl-error 1 "$gen" --check "$src/diag/recursive.ffi"
expect_in idl-error "$work/err" "3 errors generated."
check warnings-only 0 "$gen" --check "$src/diag/warnings_only.ffi"
expect_in warnings-only "$work/err" "5 warnings generated."
check cddl 0 "$gen" -o "$work/gen" --lang cddl "$src/my_timer.ffi"
[ -f "$work/gen/my_timer.cddl" ] || { echo "FAIL cddl: my_timer.cddl not written"; fail=1; }
[ "$(ls "$work/gen" | wc -l)" -eq 1 ] || { echo "FAIL cddl: --lang cddl wrote other files"; fail=1; }
[ -s "$work/err" ] && { echo "FAIL cddl: a clean file printed diagnostics"; cat "$work/err"; fail=1; }
check rust 0 "$gen" -o "$work/rs" --lang rust --lib-dir /opt/x/lib "$src/my_timer.ffi"
for f in Cargo.toml build.rs src/lib.rs src/ffi.rs src/wire.rs src/rt.rs src/cbor.rs; do
  [ -f "$work/rs/$f" ] || { echo "FAIL rust: $f not written"; fail=1; }
done
expect_in rust "$work/rs/build.rs" 'const GENERATED_LIB_DIR: &str = "/opt/x/lib";'
check lib-dir-missing 2 "$gen" --lang rust "$src/my_timer.ffi" --lib-dir
expect_in lib-dir-missing "$work/err" "--lib-dir needs a directory"
check errors-write-nothing 1 "$gen" -o "$work/none" --lang cddl "$src/diag/recursive.ffi"
[ -e "$work/none" ] && { echo "FAIL errors-write-nothing: output directory was created"; fail=1; }
[ $fail -eq 0 ] && echo "ok: ffirt-gen command line"
exit $fail
