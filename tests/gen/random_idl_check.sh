#!/usr/bin/env bash
# Property test of the whole generator on random IDL files
# (tests/gen/random_idl.py, fixed seeds): ffirt-gen never crashes (exit 0 or
# 1); whatever it accepts, it generates, and the output compiles: <lib>_ffi.c
# as C11 against the runtime headers, <lib>.h as C++17 -pedantic and
# <lib>_cbor.h as C11 -pedantic, all with -Wall -Wextra -Werror, and the
# Python package (--lang python) imports. At least half
# of the files must be accepted, or the test proves nothing.
# Usage: random_idl_check.sh FFIRT_GEN SOURCE_ROOT WORKDIR [FIRST_SEED COUNT]
set -uo pipefail
gen=$1 root=$2 work=$3 first=${4:-1} count=${5:-30}
CC=${CC:-cc}
CXX=${CXX:-c++}
rm -rf "$work" && mkdir -p "$work" || exit 1
# Imports the generated Python package with a stand-in for the .so (every
# symbol a dummy function, its ABI fingerprint matching) and completes every
# ctypes layout: NameErrors, dataclass field order and recursive structs all
# show up here.
py_import='import ctypes, importlib, os, sys, types
out = sys.argv[1]
name = [n for n in os.listdir(out) if os.path.isdir(os.path.join(out, n))][0]
if name in sys.stdlib_module_names: sys.exit(0)
class Matches:  # any fingerprint: the stand-in is built from every IDL
    def __ne__(self, other): return False
class Fn(types.SimpleNamespace):
    def __call__(self, *args): return Matches()
class Lib:
    _name = "stand-in"
    def __getattr__(self, symbol): return Fn()
ctypes.CDLL = lambda *a, **k: Lib()
sys.path.insert(0, out)
m = importlib.import_module(name)
[ctypes.sizeof(v) for k, v in vars(m).items() if k.startswith("_C_")]'

accepted=0 fail=0
for seed in $(seq "$first" $((first + count - 1))); do
  ffi="$work/r$seed.ffi"
  python3 "$root/tests/gen/random_idl.py" "$seed" >"$ffi" || { echo "FAIL seed $seed: random_idl.py"; exit 1; }
  "$gen" --check "$ffi" >/dev/null 2>"$work/diag.txt"
  rc=$?
  if [ $rc -eq 1 ]; then continue; fi
  if [ $rc -ne 0 ]; then
    echo "FAIL seed $seed: ffirt-gen --check exit $rc"; cat "$work/diag.txt"; fail=1; continue
  fi
  accepted=$((accepted + 1))
  out="$work/out$seed"
  if ! "$gen" -o "$out" "$ffi" 2>"$work/gen.txt"; then
    echo "FAIL seed $seed: accepted but not generated"; cat "$work/gen.txt"; fail=1; continue
  fi
  glue=$(ls "$out"/*_ffi.c) host=$(ls "$out"/*.h | grep -v -e '_ffi\.h$' -e '_cbor\.h$')
  if ! "$CC" -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -fsyntax-only \
      -I"$root/include" -I"$out" "$glue" 2>"$work/cc.txt" ||
     ! "$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c++ -I"$out" "$host" 2>>"$work/cc.txt" ||
     ! "$CC" -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c -I"$out" "$out"/*_cbor.h 2>>"$work/cc.txt"; then
    echo "FAIL seed $seed: generated code does not compile ($ffi):"; head -20 "$work/cc.txt"; fail=1
  elif ! "$gen" --lang python -o "$out" "$ffi" 2>"$work/py.txt" ||
       ! python3 -c "$py_import" "$out" 2>>"$work/py.txt"; then
    echo "FAIL seed $seed: the Python package is not valid Python ($ffi):"; head -20 "$work/py.txt"
    fail=1
  else
    rm -rf "$out"
  fi
done
echo "$accepted of $count random IDL files accepted; their outputs compile: $([ $fail -eq 0 ] && echo yes || echo NO)"
[ $((accepted * 2)) -ge "$count" ] || { echo "FAIL: fewer than half accepted"; fail=1; }
exit $fail
