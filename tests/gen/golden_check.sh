#!/usr/bin/env bash
# Golden test: regenerates the outputs of one IDL file into OUTDIR and
# compares them with the checked-in tests/golden/<name>/ (any difference,
# missing or extra file fails, and the diff is printed).
# Usage: golden_check.sh FFIRT_GEN SOURCE_ROOT FILE.ffi GOLDEN_DIR OUTDIR
# FILE.ffi is relative to SOURCE_ROOT; it is passed as an absolute path
# (the way ffirt_add_library does) while scripts/regen-golden.sh passes it
# relative, so any directory leaking into the outputs fails this test: they
# must name the input by its file name only.
# The languages compared are the ones present in GOLDEN_DIR (*.cddl -> cddl,
# *_ffi.c -> c), so an output kind joins the test when `make regen-golden`
# first writes it; scripts/regen-golden.sh always writes every language.
set -uo pipefail
gen=$1 root=$2 ffi=$3 golden=$4 out=$5
cd "$root" || exit 1
langs=()
compgen -G "$golden/*.cddl" >/dev/null && langs+=(cddl)
compgen -G "$golden/*_ffi.c" >/dev/null && langs+=(c)
if [ ${#langs[@]} -eq 0 ]; then
  echo "FAIL: no golden files in $golden (run make regen-golden)"
  exit 1
fi
lang_list=$(IFS=,; echo "${langs[*]}")
rm -rf "$out" && mkdir -p "$out" || exit 1
if ! "$gen" -o "$out" --lang "$lang_list" "$root/$ffi"; then
  echo "FAIL: ffirt-gen --lang $lang_list $ffi failed"
  exit 1
fi
if ! diff -ru "$golden" "$out"; then
  echo "FAIL: the output of ffirt-gen for $ffi differs from $golden (--- golden, +++ generated)."
  echo "If the change is intended, run 'make regen-golden' and commit the new golden files."
  exit 1
fi
echo "ok: $(ls "$golden" | wc -l) files of $ffi match $golden ($lang_list)"
