#!/usr/bin/env bash
# Refreshes the golden files of the generator on purpose (`make regen-golden`):
# for every IDL listed below, tests/golden/<name>/ is replaced by what
# build/bin/ffirt-gen writes now. Review `git diff tests/golden` before
# committing: every change there is a change of the generated code.
# Env: BUILD (default build), GOLDEN_LANGS (default: every language).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GEN="$BUILD/bin/ffirt-gen"
[ -x "$GEN" ] || { echo "regen-golden: $GEN not built (run make build)" >&2; exit 2; }
LANG_ARGS=()
[ -n "${GOLDEN_LANGS:-}" ] && LANG_ARGS=(--lang "$GOLDEN_LANGS")
for ffi in tests/gen/my_timer.ffi tests/gen/kitchen_sink.ffi; do
  name=$(basename "$ffi" .ffi)
  tmp=$(mktemp -d)
  if ! "$GEN" -o "$tmp" "${LANG_ARGS[@]}" "$ffi"; then
    rm -rf "$tmp"
    echo "regen-golden: ffirt-gen failed on $ffi; golden files left unchanged" >&2
    exit 1
  fi
  rm -rf "tests/golden/$name"
  mkdir -p "tests/golden/$name"
  cp "$tmp"/* "tests/golden/$name/"
  rm -rf "$tmp"
  echo "regen-golden: tests/golden/$name: $(ls "tests/golden/$name" | tr '\n' ' ')"
done
