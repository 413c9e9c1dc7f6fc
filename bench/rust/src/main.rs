//! my_timer's `echo` (delayMs 0, a 64-byte message) from Rust, next to the
//! C host measured in the same run.
//!
//! Rows (each on one caller thread):
//!   sync  rust     `ctx.echo(req)`: the whole blocking call, p50/p99/max
//!   sync  raw-ffi  the native export called directly from Rust with a
//!                  mutex/condvar waiter: what a C host does (perf_e2e's
//!                  wake latency), p50/p99/max; the binding's overhead is
//!                  the difference
//!   async rust     `ctx.echo_async(req)` futures, 64 in flight, on a
//!                  single-thread hand-rolled executor: throughput
//!   async raw-ffi  the native export, 64 in flight: throughput
//! and, when given (`--c-host` + the csv lines of perf_e2e on stdin), the C
//! host's native sync (wake p50, p99 of submit -> callback) and async rows.
//! Every reply is checked. Prints a table and one `csv,` line per row.
//!
//! Usage: rust_echo_bench [SCALE] [--c-host]   (SCALE multiplies the counts)

use my_timer::{EchoRequest, MyTimerCtx, TimerConfig};
use std::collections::VecDeque;
use std::ffi::{c_void, CStr, CString};
use std::future::Future;
use std::io::BufRead;
use std::os::raw::{c_char, c_int};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

const WINDOW: usize = 64;
const PAYLOAD: usize = 64;

#[repr(C)]
#[derive(Clone, Copy)]
struct CEchoRequest {
    message: *const c_char,
    delay_ms: i64,
}
#[repr(C)]
struct CEchoResponse {
    echoed: *const c_char,
    timer_name: *const c_char,
}
type Cb = unsafe extern "C" fn(c_int, *const c_char, usize, *mut c_void);
extern "C" {
    fn my_timer_echo(ctx: *mut c_void, cb: Cb, ud: *mut c_void, req: CEchoRequest) -> c_int;
}

struct Row {
    mode: &'static str,
    host: &'static str,
    samples: usize,
    p50: f64,
    p99: f64,
    max: f64,
    ops: f64,
}

fn pct(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn latency_row(host: &'static str, mut ns: Vec<u64>) -> Row {
    ns.sort_unstable();
    Row {
        mode: "sync",
        host,
        samples: ns.len(),
        p50: pct(&ns, 0.5),
        p99: pct(&ns, 0.99),
        max: pct(&ns, 1.0),
        ops: 0.0,
    }
}

fn message(i: usize) -> String {
    format!("{i:08x}{}", "m".repeat(PAYLOAD - 8))
}

// ------------------------------------------------------------ raw FFI host

struct Waiter {
    done: Mutex<Option<Result<String, String>>>,
    cv: Condvar,
}

unsafe extern "C" fn on_raw(ret: c_int, msg: *const c_char, len: usize, ud: *mut c_void) {
    if ret == 3 {
        return;
    }
    let w = &*(ud as *const Waiter);
    let r = if ret == 0 && len == std::mem::size_of::<CEchoResponse>() {
        let r = &*(msg as *const CEchoResponse);
        Ok(CStr::from_ptr(r.echoed).to_string_lossy().into_owned())
    } else {
        Err(String::from_utf8_lossy(std::slice::from_raw_parts(msg as *const u8, len)).into_owned())
    };
    *w.done.lock().unwrap() = Some(r);
    w.cv.notify_one();
}

fn raw_sync(ctx: *mut c_void, n: usize) -> Vec<u64> {
    let w = Waiter {
        done: Mutex::new(None),
        cv: Condvar::new(),
    };
    let mut ns = Vec::with_capacity(n);
    for i in 0..n {
        let m = message(i);
        let c = CString::new(m.as_str()).unwrap();
        let t0 = Instant::now();
        let rc = unsafe {
            my_timer_echo(
                ctx,
                on_raw,
                &w as *const Waiter as *mut c_void,
                CEchoRequest {
                    message: c.as_ptr(),
                    delay_ms: 0,
                },
            )
        };
        assert_eq!(rc, 0);
        let mut g = w.done.lock().unwrap();
        while g.is_none() {
            g = w.cv.wait(g).unwrap();
        }
        let r = g.take().unwrap();
        drop(g);
        ns.push(t0.elapsed().as_nanos() as u64);
        assert_eq!(r.unwrap(), m);
    }
    ns
}

struct Window {
    inflight: Mutex<usize>,
    cv: Condvar,
    failed: Mutex<Option<String>>,
}

unsafe extern "C" fn on_raw_async(ret: c_int, msg: *const c_char, len: usize, ud: *mut c_void) {
    if ret == 3 {
        return;
    }
    let w = &*(ud as *const Window);
    if ret != 0 || len != std::mem::size_of::<CEchoResponse>() {
        *w.failed.lock().unwrap() = Some(
            String::from_utf8_lossy(std::slice::from_raw_parts(msg as *const u8, len)).into_owned(),
        );
    } else {
        let r = &*(msg as *const CEchoResponse);
        if CStr::from_ptr(r.echoed).to_bytes().len() != PAYLOAD {
            *w.failed.lock().unwrap() = Some("wrong reply".into());
        }
    }
    *w.inflight.lock().unwrap() -= 1;
    w.cv.notify_one();
}

fn raw_async(ctx: *mut c_void, n: usize) -> Row {
    let w = Window {
        inflight: Mutex::new(0),
        cv: Condvar::new(),
        failed: Mutex::new(None),
    };
    let c = CString::new(message(0)).unwrap();
    let t0 = Instant::now();
    for _ in 0..n {
        let mut g = w.inflight.lock().unwrap();
        while *g >= WINDOW {
            g = w.cv.wait(g).unwrap();
        }
        *g += 1;
        drop(g);
        let rc = unsafe {
            my_timer_echo(
                ctx,
                on_raw_async,
                &w as *const Window as *mut c_void,
                CEchoRequest {
                    message: c.as_ptr(),
                    delay_ms: 0,
                },
            )
        };
        assert_eq!(rc, 0);
    }
    let mut g = w.inflight.lock().unwrap();
    while *g > 0 {
        g = w.cv.wait(g).unwrap();
    }
    drop(g);
    let secs = t0.elapsed().as_secs_f64();
    if let Some(e) = w.failed.lock().unwrap().take() {
        panic!("raw async: {e}");
    }
    Row {
        mode: "async",
        host: "raw-ffi",
        samples: n,
        p50: 0.0,
        p99: 0.0,
        max: 0.0,
        ops: n as f64 / secs,
    }
}

// ------------------------------------------------------------ the binding

fn rust_sync(t: &MyTimerCtx, n: usize) -> Vec<u64> {
    let mut ns = Vec::with_capacity(n);
    for i in 0..n {
        let m = message(i);
        let t0 = Instant::now();
        let r = t
            .echo(EchoRequest {
                message: m.clone(),
                delay_ms: 0,
            })
            .unwrap();
        ns.push(t0.elapsed().as_nanos() as u64);
        assert_eq!(r.echoed, m);
    }
    ns
}

/// Wakes mark their slot ready and unpark the executor thread.
struct SlotWaker {
    slot: usize,
    ready: Arc<Mutex<VecDeque<usize>>>,
    thread: std::thread::Thread,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.ready.lock().unwrap().push_back(self.slot);
        self.thread.unpark();
    }
}

fn rust_async(t: &MyTimerCtx, n: usize) -> Row {
    type Fut<'a> = Pin<Box<dyn Future<Output = Result<my_timer::EchoResponse, String>> + 'a>>;
    let ready = Arc::new(Mutex::new(VecDeque::new()));
    let wakers: Vec<Waker> = (0..WINDOW)
        .map(|slot| {
            Waker::from(Arc::new(SlotWaker {
                slot,
                ready: Arc::clone(&ready),
                thread: std::thread::current(),
            }))
        })
        .collect();
    let m = message(0);
    let mut slots: Vec<Option<Fut>> = (0..WINDOW).map(|_| None).collect();
    let (mut started, mut finished) = (0usize, 0usize);
    let t0 = Instant::now();
    let mut todo: VecDeque<usize> = (0..WINDOW).collect();
    while finished < n {
        while let Some(s) = todo.pop_front() {
            if slots[s].is_none() {
                if started == n {
                    continue;
                }
                started += 1;
                slots[s] = Some(Box::pin(t.echo_async(EchoRequest {
                    message: m.clone(),
                    delay_ms: 0,
                })));
            }
            let f = slots[s].as_mut().unwrap();
            if let Poll::Ready(r) = f.as_mut().poll(&mut Context::from_waker(&wakers[s])) {
                assert_eq!(r.unwrap().echoed.len(), PAYLOAD);
                slots[s] = None;
                finished += 1;
                todo.push_back(s); // start the next one in this slot
            }
        }
        if finished < n {
            let mut q = ready.lock().unwrap();
            if q.is_empty() {
                drop(q);
                std::thread::park();
                q = ready.lock().unwrap();
            }
            todo.extend(q.drain(..));
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    Row {
        mode: "async",
        host: "rust",
        samples: n,
        p50: 0.0,
        p99: 0.0,
        max: 0.0,
        ops: n as f64 / secs,
    }
}

/// perf_e2e's native, 1-thread, 64-byte rows from its csv lines on stdin.
fn c_host_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let f: Vec<&str> = line.split(',').collect();
        // csv,mode,abi,threads,payload_bytes,samples,p50_us,p99_us,wake_p50_us,ops_per_s,...
        if f.len() < 10 || f[0] != "csv" || f[2] != "native" || f[3] != "1" || f[4] != "64" {
            continue;
        }
        let num = |i: usize| f[i].parse::<f64>().unwrap_or(0.0);
        let mode = if f[1] == "sync" {
            "sync"
        } else if f[1] == "async" {
            "async"
        } else {
            continue;
        };
        rows.push(Row {
            mode,
            host: "c-host",
            samples: num(5) as usize,
            // sync: the waiting caller's latency (wake), p99 of submit -> callback
            p50: if mode == "sync" { num(8) } else { 0.0 },
            p99: if mode == "sync" { num(7) } else { 0.0 },
            max: 0.0,
            ops: num(9),
        });
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scale: f64 = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or(1.0, |a| a.parse().expect("SCALE"));
    let count = |n: f64| ((n * scale) as usize).max(10);
    let t = MyTimerCtx::create(
        TimerConfig {
            name: "perf".into(),
        },
        Duration::from_secs(30),
    )
    .expect("create");

    // Warm up both paths, then measure them alternately in rounds so a load
    // change on the machine hits both alike.
    rust_sync(&t, count(500.0));
    raw_sync(t.as_raw(), count(500.0));
    let (mut rs, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..4 {
        rs.extend(rust_sync(&t, count(1250.0)));
        raw.extend(raw_sync(t.as_raw(), count(1250.0)));
    }
    let mut rows = vec![latency_row("rust", rs), latency_row("raw-ffi", raw)];
    rows.push(rust_async(&t, count(20000.0)));
    rows.push(raw_async(t.as_raw(), count(20000.0)));
    if args.iter().any(|a| a == "--c-host") {
        rows.extend(c_host_rows());
    }
    drop(t);

    let base = |mode: &str| {
        rows.iter()
            .find(|r| r.mode == mode && r.host == "c-host")
            .or_else(|| rows.iter().find(|r| r.mode == mode && r.host == "raw-ffi"))
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("rust_echo_bench: my_timer echo, 64-byte message, delayMs 0, one caller thread (scale {scale})");
    println!(
        "machine load average: {}",
        load.split_whitespace().next().unwrap_or("?")
    );
    println!("sync: the whole blocking call, submit -> the caller has the reply (c-host: perf_e2e's wake_p50 and its p99 of submit -> callback; it reports no max)");
    println!("async: {WINDOW} requests in flight; vs_c: rust/c-host (latency ratio for sync, throughput ratio for async)");
    println!(
        "{:<6} {:<8} {:>8} {:>9} {:>9} {:>9} {:>11} {:>7}",
        "mode", "host", "samples", "p50_us", "p99_us", "max_us", "ops_per_s", "vs_c"
    );
    let mut csv = Vec::new();
    for r in &rows {
        let vs = match base(r.mode) {
            Some(b) if r.mode == "sync" && b.p50 > 0.0 => r.p50 / b.p50,
            Some(b) if r.mode == "async" && b.ops > 0.0 => r.ops / b.ops,
            _ => 0.0,
        };
        let f = |v: f64, show: bool| {
            if show && v > 0.0 {
                format!("{v:.1}")
            } else {
                "-".into()
            }
        };
        let sync = r.mode == "sync";
        println!(
            "{:<6} {:<8} {:>8} {:>9} {:>9} {:>9} {:>11} {:>7}",
            r.mode,
            r.host,
            r.samples,
            f(r.p50, sync),
            f(r.p99, sync),
            f(r.max, sync),
            if sync {
                "-".into()
            } else {
                format!("{:.0}", r.ops)
            },
            if vs > 0.0 {
                format!("{vs:.2}x")
            } else {
                "-".into()
            }
        );
        csv.push(format!(
            "csv,{},{},{},{:.1},{:.1},{:.1},{:.0},{:.3}",
            r.mode, r.host, r.samples, r.p50, r.p99, r.max, r.ops, vs
        ));
    }
    println!("csv,mode,host,samples,p50_us,p99_us,max_us,ops_per_s,vs_c");
    for l in csv {
        println!("{l}");
    }
}
