#!/bin/sh
# Lints generated Rust crates: `cargo clippy -D warnings` and, when rustfmt
# is installed, `rustfmt --check` (the generated code is laid out as rustfmt
# would), on the crates of the build and on crates generated here from the
# odd-shape IDL files (names that collide with generated locals, ...).
# Usage: lint.sh CARGO FFIRT_GEN CRATES_DIR WORK_DIR SHAPE.ffi...
set -eu
cargo=$1 gen=$2 crates=$3 work=$4
shift 4
rustfmt="$(dirname "$cargo")/rustfmt"
[ -x "$rustfmt" ] || rustfmt=$(command -v rustfmt || true)
dirs=""
for c in my_timer echo kitchen_sink edges; do dirs="$dirs $crates/$c"; done
for ffi in "$@"; do
  n=$(basename "$ffi" .ffi)
  "$gen" --lang rust -o "$work/$n" "$ffi"
  dirs="$dirs $work/$n"
done
fail=0
for d in $dirs; do
  if ! "$cargo" clippy --offline --quiet --manifest-path "$d/Cargo.toml" -- -D warnings; then
    echo "FAIL clippy: $d"; fail=1
  fi
  if [ -n "$rustfmt" ] && ! "$rustfmt" --edition 2021 --check "$d"/src/*.rs "$d/build.rs" >/dev/null; then
    echo "FAIL rustfmt --check: $d"; "$rustfmt" --edition 2021 --check "$d"/src/*.rs | head -40; fail=1
  fi
done
# Hand-written Rust of the project (tests, example, benchmark): rustfmt too.
if [ -n "$rustfmt" ] && [ -n "${FFIRT_RUST_SOURCES:-}" ]; then
  # shellcheck disable=SC2086 # a list of paths without spaces
  if ! "$rustfmt" --edition 2021 --check $FFIRT_RUST_SOURCES >/dev/null; then
    echo "FAIL rustfmt --check: $FFIRT_RUST_SOURCES"; fail=1
  fi
fi
[ $fail -eq 0 ] && echo "ok: clippy${rustfmt:+ and rustfmt} clean:$dirs"
exit $fail
