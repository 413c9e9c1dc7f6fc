#!/usr/bin/env bash
# The Go binding against the C host, in one run: my_timer's echo (delayMs 0)
# from C (build/bench/perf_e2e, native ABI) and from Go (bench/go, `go test
# -bench`), for a 64 B and a 4 KiB message. Prints a table and one `csv,`
# line per row. Never fails on speed (exit 1 only if a program failed).
#
#   sync      one caller, one call at a time: call -> the caller has the
#             reply (C: perf_e2e's wake_p50; perf_e2e has no p99 of that, so
#             the extra row sync-cb gives its submit -> callback p50/p99, a
#             floor). Go: p50/p99/max of every call.
#   parallel  throughput on one context: C with 2 threads x 64 requests in
#             flight (perf_e2e async), Go with 64 goroutines calling Echo.
#
# Usage: bench/go/run.sh [BUILD_DIR] [SCALE]   (defaults: build, 0.5; SCALE
#        multiplies perf_e2e's iterations; Go runs GO_BENCHTIME, default
#        20000x, GO_COUNT times, default 3, and reports the median run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
scale=${2:-0.5}
benchtime=${GO_BENCHTIME:-20000x}
count=${GO_COUNT:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$build/bench/perf_e2e" ] || { echo "no $build/bench/perf_e2e: build first" >&2; exit 1; }
[ -d "$build/go/mytimer" ] || { echo "no $build/go/mytimer: build first" >&2; exit 1; }
cat >"$tmp/go.mod" <<MOD
module ffirtgobench

go 1.19

require mytimer v0.0.0

replace mytimer => $build/go/mytimer
MOD

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$build/bench/perf_e2e" "$scale" >"$tmp/c.txt"
(cd "$here" && GOPROXY=off GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false \
  go test -run '^$' -bench . -benchtime "$benchtime" -count "$count" -modfile "$tmp/go.mod") >"$tmp/go.txt"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

awk -v ctxt="$tmp/c.txt" -v count="$count" '
function c_field(mode, threads, payload, col,    line, f) {
  # csv,mode,abi,threads,payload,samples,p50,p99,wake_p50,ops,vs_native,vs_sync
  while ((getline line < ctxt) > 0) {
    split(line, f, ",")
    if (f[1] == "csv" && f[2] == mode && f[3] == "native" && f[4] == threads && f[5] == payload) {
      close(ctxt); return f[col]
    }
  }
  close(ctxt); return "-"
}
function row(mode, host, payload, p50, p99, max, ops, vs) {
  printf "%-9s %-4s %8s %9s %9s %9s %11s %8s\n", mode, host, payload, p50, p99, max, ops, vs
  csv[++n] = sprintf("csv,%s,%s,%s,%s,%s,%s,%s,%s", mode, host, payload, p50, p99, max, ops, vs)
}
/^Benchmark/ {
  split($1, name, "[/-]")
  sub(/B$/, "", name[2])
  for (i = 3; i < NF; i += 2) {
    k = name[1] SUBSEP name[2] SUBSEP $(i + 1)
    vals[k, ++cnt[k]] = $i
  }
}
function median(k,    a, c, i, j, t) {
  c = cnt[k]
  for (i = 1; i <= c; i++) a[i] = vals[k, i] + 0
  for (i = 2; i <= c; i++)
    for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return c ? a[int((c + 1) / 2)] : 0
}
END {
  printf "%-9s %-4s %8s %9s %9s %9s %11s %8s\n", "mode", "host", "payload", "p50_us", "p99_us", "max_us", "ops_per_s", "vs_c"
  for (k in cnt) { split(k, kk, SUBSEP); m[kk[1], kk[2], kk[3]] = median(k) }
  for (s = 64; s <= 4096; s *= 64) {
    cp50 = c_field("sync", 1, s, 9); cops = c_field("sync", 1, s, 10)
    row("sync-cb", "C", s, c_field("sync", 1, s, 7), c_field("sync", 1, s, 8), "-", "-", "-")
    row("sync", "C", s, cp50, "-", "-", cops, "-")
    g = m["BenchmarkEchoSync", s, "p50-us"]
    row("sync", "Go", s, sprintf("%.1f", g), sprintf("%.1f", m["BenchmarkEchoSync", s, "p99-us"]),
        sprintf("%.0f", m["BenchmarkEchoSync", s, "max-us"]), sprintf("%.0f", m["BenchmarkEchoSync", s, "ops/s"]),
        cp50 > 0 ? sprintf("%.2fx", g / cp50) : "-")
    cops = c_field("async", 2, s, 10)
    row("parallel", "C", s, "-", "-", "-", cops, "-")
    g = m["BenchmarkEchoParallel", s, "ops/s"]
    row("parallel", "Go", s, "-", "-", "-", sprintf("%.0f", g), cops > 0 ? sprintf("%.2fx", g / cops) : "-")
  }
  print "vs_c: Go/C p50 latency (sync), Go/C throughput (parallel); Go figures: median of " count " runs"
  print "csv,mode,host,payload_bytes,p50_us,p99_us,max_us,ops_per_s,vs_c"
  for (i = 1; i <= n; i++) print csv[i]
}' "$tmp/go.txt"
