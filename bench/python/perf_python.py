#!/usr/bin/env python3
"""perf_python: my_timer's echo (delayMs 0, a 64-byte message) from Python
through the generated binding, against the C native host in the same run.

    sync   latency p50/p99/max of t.echo() (call -> the caller has the
           EchoResponse), 1 caller thread
    async  throughput of t.echo_async() with a window of 64 in flight
           (asyncio.gather of 64 at a time), 1 event loop
    C      the same rows of bench/perf_e2e (native ABI, 1 thread, 64 B),
           run as a subprocess first: its wake_* figures are the C host's
           call -> caller-has-the-reply, the same span as Python's

then where the per-call overhead goes: each step of a Python call timed
alone in a tight loop (mean ns per call), and the rest (thread hand-off:
the worker thread taking the GIL, the waiting thread waking) as the
difference: mostly CPython making and freeing a thread state for every
callback that arrives on a C thread, then passing the GIL. Prints a table and one `csv,` line per row; never fails on
speed (exit 1 only when a reply is wrong or perf_e2e fails).

Usage: perf_python [SCALE]   (PYTHONPATH=build/python; FFIRT_PERF_E2E=path
                              of perf_e2e, default build/bench/perf_e2e)
"""
import asyncio
import ctypes
import os
import subprocess
import sys
import threading
import time

import my_timer as mt
from my_timer import _runtime as rt

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
N_SYNC = max(200, int(20000 * SCALE))
N_ASYNC = max(640, int(64000 * SCALE))
N_STEP = max(1000, int(50000 * SCALE))
WINDOW = 64
MESSAGE = "x" * 64


def pct(sorted_ns, p):
    return sorted_ns[min(len(sorted_ns) - 1, int(p * (len(sorted_ns) - 1) + 0.5))] / 1000.0


def c_baseline():
    exe = os.environ.get("FFIRT_PERF_E2E") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "perf_e2e")
    out = subprocess.run([exe, "%g" % max(0.1, SCALE * 0.25)], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        sys.exit("perf_python: %s failed:\n%s" % (exe, out.stderr))
    rows = {}
    header = None
    for line in out.stdout.splitlines():
        if not line.startswith("csv,"):
            continue
        cols = line.split(",")[1:]
        if header is None:
            header = cols
            continue
        r = dict(zip(header, cols))
        if r["abi"] == "native" and r["threads"] == "1" and r["payload_bytes"] == "64":
            rows[r["mode"]] = r
    return rows


def sync_rows(t):
    req = mt.EchoRequest(message=MESSAGE, delay_ms=0)
    for _ in range(200):
        t.echo(req)
    ns = []
    clock = time.perf_counter_ns
    for _ in range(N_SYNC):
        start = clock()
        r = t.echo(req)
        ns.append(clock() - start)
        if r.echoed != MESSAGE:
            sys.exit("perf_python: wrong reply %r" % (r,))
    ns.sort()
    return len(ns), pct(ns, 0.5), pct(ns, 0.99), ns[-1] / 1000.0


def async_row(t):
    req = mt.EchoRequest(message=MESSAGE, delay_ms=0)

    async def run():
        for _ in range(10):
            await asyncio.gather(*[t.echo_async(req) for _ in range(WINDOW)])
        start = time.perf_counter()
        done = 0
        while done < N_ASYNC:
            rs = await asyncio.gather(*[t.echo_async(req) for _ in range(WINDOW)])
            if rs[-1].echoed != MESSAGE:
                sys.exit("perf_python: wrong reply")
            done += WINDOW
        return done, done / (time.perf_counter() - start)
    return asyncio.run(run())


def mean_ns(fn, n=N_STEP):
    start = time.perf_counter_ns()
    for _ in range(n):
        fn()
    return (time.perf_counter_ns() - start) / n


def steps(t):
    """Each piece of a blocking call alone, in ns per call."""
    req = mt.EchoRequest(message=MESSAGE, delay_ms=0)
    c_req = mt._to_c_EchoRequest(req, "req")
    c_resp = mt._C_EchoResponse(MESSAGE.encode(), b"perf")
    addr = ctypes.addressof(c_resp)
    waiter = rt._Waiter
    drop = rt.CALLBACK(lambda ret, msg, n, ud: None)

    def wait_cycle():
        w = waiter(rt.none_at)
        w.lock.release()
        w.lock.acquire()

    def same_thread_call():
        # a bad handle: the export calls back RET_ERR at once, on this thread
        mt._my_timer_echo(1, drop, None, c_req)

    return [
        ("args: EchoRequest -> C struct (checks, encode)",
         mean_ns(lambda: mt._to_c_EchoRequest(req, "req"))),
        ("ctypes: foreign call + callback into Python (refused handle)",
         mean_ns(same_thread_call)),
        ("reply: C EchoResponse -> dataclass (copy out)",
         mean_ns(lambda: mt._read_EchoResponse(addr))),
        ("waiter: lock made, released, acquired", mean_ns(wait_cycle)),
        ("bookkeeping: userData key + _pending entry",
         mean_ns(lambda: rt._pending.pop(rt._next_ud(), None))),
    ]


def main():
    c = c_baseline()
    with mt.MyTimer.create(mt.TimerConfig(name="perf")) as t:
        n_sync, p50, p99, mx = sync_rows(t)
        n_async, ops = async_row(t)
        parts = steps(t)
    load = os.getloadavg()[0]

    cs = c["sync"]
    c_p50, c_p99, c_max = (float(cs["wake_p50_us"]), float(cs.get("wake_p99_us", "nan")),
                           float(cs.get("wake_max_us", "nan")))
    c_ops = float(c["async"]["ops_per_s"])
    rows = [
        ("sync", "python", n_sync, p50, p99, mx, 0.0, p50 / c_p50),
        ("sync", "c", int(cs["samples"]), c_p50, c_p99, c_max, 0.0, 1.0),
        ("async", "python", n_async, 0, 0, 0, ops, ops / c_ops),
        ("async", "c", int(c["async"]["samples"]), 0, 0, 0, c_ops, 1.0),
    ]
    print("perf_python: my_timer echo (64 B, delayMs 0) from Python vs the C native host "
          "(perf_e2e), same run, scale %g" % SCALE)
    print("machine load average: %.2f (figures are noisy when other work runs)" % load)
    print("sync: call -> caller has the reply; async: window %d; vs_c: latency ratio "
          "(sync) or throughput ratio (async)" % WINDOW)
    print("%-6s %-7s %8s %9s %9s %9s %11s %7s" % ("mode", "host", "samples", "p50_us", "p99_us",
                                                 "max_us", "ops_per_s", "vs_c"))
    for mode, host, n, a, b, m, o, v in rows:
        lat = ("%9.1f %9.1f %9.1f" % (a, b, m)) if mode == "sync" else "%9s %9s %9s" % (("-",) * 3)
        print("%-6s %-7s %8d %s %11s %6.2fx" % (mode, host, n, lat,
                                               ("%.0f" % o) if o else "-", v))
    overhead = (p50 - c_p50) * 1000.0
    print("\nper-call overhead of Python (sync p50 - C p50): %.0f ns; where it goes:" % overhead)
    rest = overhead
    for name, ns in parts:
        print("  %-58s %7.0f ns" % (name, ns))
        rest -= ns
    print("  %-58s %7.0f ns" % ("rest: callback on the worker thread (ctypes makes and frees "
                                "a thread state), GIL hand-off, wake-up", rest))
    print("csv,mode,host,samples,p50_us,p99_us,max_us,ops_per_s,vs_c,load")
    for mode, host, n, a, b, m, o, v in rows:
        print("csv,%s,%s,%d,%.1f,%.1f,%.1f,%.0f,%.3f,%.2f" % (mode, host, n, a, b, m, o, v, load))
    print("csv,step,name,ns_per_call")
    for name, ns in parts:
        print("csv,step,%s,%.0f" % (name.split(":")[0], ns))
    print("csv,step,rest,%.0f" % rest)


if __name__ == "__main__":
    main()
