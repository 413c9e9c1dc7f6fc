#!/bin/sh
# Generates the Go binding of each IDL file with ffirt-gen into OUTDIR/<name>
# and requires it to pass `go vet` (cgo type-checks it against the copied
# header; no library is linked) and to be gofmt-clean.
# Usage: vet_generated.sh FFIRT_GEN OUTDIR IDL...   (GO, GOFMT: the tools)
set -eu
gen=$1 out=$2
shift 2
: "${GO:=go}" "${GOFMT:=gofmt}"
for idl in "$@"; do
  name=$(basename "$idl" .ffi)
  rm -rf "${out:?}/$name"
  "$gen" --lang go -o "$out/$name" "$idl"
  (cd "$out/$name" && "$GO" vet .)
  bad=$("$GOFMT" -l "$out/$name")
  if [ -n "$bad" ]; then
    echo "not gofmt-clean: $bad"
    "$GOFMT" -d "$out/$name" | head -40
    exit 1
  fi
  echo "ok $name"
done
