//! The generated `my_timer` crate against the example library
//! (shared/spec/examples.md): every request, sync and async, events of every
//! kind, threads, timeouts with late replies, panics in listeners.

mod support;

use my_timer::*;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use support::{block_on, poll_once, wait_until, Pool};

const LONG: Duration = Duration::from_secs(20);

fn timer(name: &str) -> MyTimerCtx {
    MyTimerCtx::create(TimerConfig { name: name.into() }, LONG).expect("create")
}

fn req(message: &str, delay_ms: i64) -> EchoRequest {
    EchoRequest {
        message: message.into(),
        delay_ms,
    }
}

fn job(name: &str) -> JobSpec {
    JobSpec {
        name: name.into(),
        payload: vec!["a".into()],
        priority: 1,
    }
}

fn retry(max_attempts: i64) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        backoff_ms: 250,
        retry_on: vec!["timeout".into()],
    }
}

#[test]
fn echo_version_complex_schedule_sync() {
    let t = timer("t1");
    let r = t.echo(req("hi", 0)).unwrap();
    assert_eq!(
        r,
        EchoResponse {
            echoed: "hi".into(),
            timer_name: "t1".into()
        }
    );
    assert_eq!(t.version().unwrap(), "timer v0.1.0");

    let c = t
        .complex(ComplexRequest {
            messages: vec![req("a", 1), req("b", 2)],
            tags: vec!["x".into(), "y".into(), "z".into()],
            note: Some("n".into()),
            retries: Some(3),
        })
        .unwrap();
    assert_eq!(c.summary, "received 2 messages, note=n, retries=3");
    assert_eq!(c.item_count, 2);
    assert!(c.has_note);
    let c = t
        .complex(ComplexRequest {
            messages: vec![],
            tags: vec![],
            note: None,
            retries: None,
        })
        .unwrap();
    assert_eq!(c.summary, "received 0 messages, note=<none>, retries=0");
    assert!(!c.has_note);

    let s = t
        .schedule(
            job("job"),
            retry(3),
            ScheduleConfig {
                start_at_ms: 1000,
                interval_ms: 7000,
                jitter: Some(5),
            },
        )
        .unwrap();
    assert_eq!(
        s,
        ScheduleResult {
            job_id: "t1:job".into(),
            will_run_count: 8,
            first_run_at_ms: 1005,
            effective_backoff_ms: 250
        }
    );
    let s = t
        .schedule(
            job("j"),
            retry(1),
            ScheduleConfig {
                start_at_ms: 7,
                interval_ms: 0,
                jitter: None,
            },
        )
        .unwrap();
    assert_eq!((s.will_run_count, s.first_run_at_ms), (1, 7));
}

#[test]
fn library_errors_are_the_librarys_texts() {
    let t = timer("t1");
    let sc = ScheduleConfig {
        start_at_ms: 0,
        interval_ms: 1000,
        jitter: None,
    };
    assert_eq!(
        t.schedule(job(""), retry(1), sc.clone()).unwrap_err(),
        "job name must not be empty"
    );
    assert_eq!(
        t.schedule(job("j"), retry(0), sc).unwrap_err(),
        "retry.maxAttempts must be positive"
    );
}

#[test]
fn arguments_that_have_no_native_form_are_refused_before_the_call() {
    let t = timer("t1");
    assert_eq!(
        t.echo(req("a\0b", 0)).unwrap_err(),
        "req.message: contains a NUL byte at 1"
    );
    let bad = ComplexRequest {
        messages: vec![req("ok", 0), req("\0", 0)],
        tags: vec![],
        note: None,
        retries: None,
    };
    assert_eq!(
        t.complex(bad).unwrap_err(),
        "req.messages[1].message: contains a NUL byte at 0"
    );
    let err = MyTimerCtx::create(TimerConfig { name: "x\0".into() }, LONG).unwrap_err();
    assert_eq!(err, "config.name: contains a NUL byte at 1");
}

#[test]
fn async_forms_on_a_hand_rolled_block_on() {
    let t = block_on(MyTimerCtx::new_async(
        TimerConfig { name: "a1".into() },
        LONG,
    ))
    .unwrap();
    let r = block_on(t.echo_async(req("hey", 20))).unwrap();
    assert_eq!((r.echoed.as_str(), r.timer_name.as_str()), ("hey", "a1"));
    assert_eq!(block_on(t.version_async()).unwrap(), "timer v0.1.0");
    let c = block_on(t.complex_async(ComplexRequest {
        messages: vec![req("a", 0)],
        tags: vec![],
        note: None,
        retries: Some(2),
    }))
    .unwrap();
    assert_eq!(c.summary, "received 1 messages, note=<none>, retries=2");
    let e = block_on(t.schedule_async(
        job(""),
        retry(1),
        ScheduleConfig {
            start_at_ms: 0,
            interval_ms: 0,
            jitter: None,
        },
    ));
    assert_eq!(e.unwrap_err(), "job name must not be empty");
}

// The prior art's programs: `new_async(...).await?` in a function returning
// Result<(), Box<dyn Error>>.
async fn prior_art_program() -> Result<(), Box<dyn std::error::Error>> {
    let t =
        MyTimerCtx::new_async(TimerConfig { name: "x".into() }, Duration::from_secs(30)).await?;
    let r = t
        .echo_async(EchoRequest {
            message: "m".into(),
            delay_ms: 0,
        })
        .await?;
    assert_eq!(r.timer_name, "x");
    Ok(())
}

#[test]
fn prior_art_shape_compiles_and_runs() {
    block_on(prior_art_program()).unwrap();
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn futures_are_send_and_run_on_a_thread_pool() {
    let t = Arc::new(timer("pool"));
    assert_send(&t.echo_async(req("x", 0)));
    assert_send(&MyTimerCtx::new_async(
        TimerConfig { name: "p".into() },
        LONG,
    ));
    let pool = Pool::new(3);
    let started = Instant::now();
    // 40 concurrent echoes of 100 ms each: they overlap on the worker (the
    // library waits without blocking it), so this takes far less than 4 s.
    let rx: Vec<_> = (0..40)
        .map(|i| {
            let t = Arc::clone(&t);
            pool.spawn(async move { t.echo_async(req(&format!("m{i}"), 100)).await })
        })
        .collect();
    for (i, rx) in rx.into_iter().enumerate() {
        let r = rx.recv_timeout(LONG).unwrap().unwrap();
        assert_eq!(r.echoed, format!("m{i}"));
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    pool.shutdown();
}

#[test]
fn a_slow_request_does_not_block_the_worker() {
    let t = timer("t1");
    let started = Instant::now();
    thread::scope(|s| {
        let slow = s.spawn(|| t.echo(req("slow", 600)));
        thread::sleep(Duration::from_millis(50));
        assert_eq!(t.version().unwrap(), "timer v0.1.0");
        let fast = started.elapsed();
        assert_eq!(slow.join().unwrap().unwrap().echoed, "slow");
        assert!(
            fast < started.elapsed(),
            "version answered before the slow echo"
        );
    });
}

#[test]
fn threads_share_one_context() {
    let t = timer("shared");
    thread::scope(|s| {
        for k in 0..8 {
            let t = &t;
            s.spawn(move || {
                for i in 0..25 {
                    let m = format!("{k}-{i}");
                    assert_eq!(t.echo(req(&m, 0)).unwrap().echoed, m);
                }
            });
        }
    });
}

#[test]
fn typed_listener_gets_the_event_of_every_echo() {
    let t = timer("t1");
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = Arc::clone(&got);
    let h = t.add_on_echo_fired_listener(move |e: &EchoEvent| g.lock().unwrap().push(e.clone()));
    assert!(h.id >= 1);
    t.echo(req("one", 0)).unwrap();
    t.echo(req("two", 0)).unwrap();
    assert!(wait_until(LONG, || got.lock().unwrap().len() == 2));
    assert_eq!(
        *got.lock().unwrap(),
        vec![
            EchoEvent {
                message: "one".into(),
                echo_count: 1
            },
            EchoEvent {
                message: "two".into(),
                echo_count: 1
            }
        ]
    );
    assert!(t.remove_event_listener(h));
    assert!(
        !t.remove_event_listener(h),
        "a second removal finds nothing"
    );
    t.echo(req("three", 0)).unwrap();
    thread::sleep(Duration::from_millis(100));
    assert_eq!(got.lock().unwrap().len(), 2);
}

#[test]
fn wildcard_listener_gets_the_envelope_and_decodes_it() {
    let t = timer("t1");
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = Arc::clone(&got);
    t.add_event_listener(move |ret, name, env| {
        g.lock().unwrap().push((ret, name.to_owned(), env.to_vec()));
    });
    t.echo(req("hi", 0)).unwrap();
    assert!(wait_until(LONG, || got
        .lock()
        .unwrap()
        .iter()
        .any(|(_, n, _)| n == "on_echo_fired")));
    let all = got.lock().unwrap();
    let (ret, _, env) = all.iter().find(|(_, n, _)| n == "on_echo_fired").unwrap();
    assert_eq!(*ret, 0);
    // abi.md's worked example, byte for byte.
    assert_eq!(
        env.as_slice(),
        b"\xa2\x69eventType\x6don_echo_fired\x67payload\xa2\x67message\x62hi\x69echoCount\x01"
    );
    let e: EchoEvent = decode_event_payload(env).unwrap();
    assert_eq!(
        e,
        EchoEvent {
            message: "hi".into(),
            echo_count: 1
        }
    );
    assert_eq!(
        decode_event_payload::<EchoResponse>(env).unwrap_err(),
        "payload: unknown key \"message\""
    );
    assert_eq!(
        decode_event_payload::<EchoEvent>(b"\xa0").unwrap_err(),
        "envelope.eventType: missing required key"
    );
}

#[test]
fn removing_one_listener_leaves_the_others_receiving() {
    let t = timer("t1");
    let a = Arc::new(AtomicUsize::new(0));
    let b = Arc::new(AtomicUsize::new(0));
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let ha = t.add_on_echo_fired_listener(move |_| {
        a2.fetch_add(1, SeqCst);
    });
    t.add_on_echo_fired_listener(move |_| {
        b2.fetch_add(1, SeqCst);
    });
    t.echo(req("1", 0)).unwrap();
    assert!(wait_until(LONG, || a.load(SeqCst) == 1 && b.load(SeqCst) == 1));
    assert!(t.remove_event_listener(ha));
    t.echo(req("2", 0)).unwrap();
    assert!(wait_until(LONG, || b.load(SeqCst) == 2));
    assert_eq!(a.load(SeqCst), 1);
}

#[test]
fn a_listener_removes_itself_from_inside() {
    let t = Arc::new(timer("t1"));
    let calls = Arc::new(AtomicUsize::new(0));
    let me: Arc<Mutex<Option<ListenerHandle>>> = Arc::new(Mutex::new(None));
    let (weak, c, m) = (Arc::downgrade(&t), Arc::clone(&calls), Arc::clone(&me));
    let h = t.add_on_echo_fired_listener(move |_| {
        c.fetch_add(1, SeqCst);
        let h = m.lock().unwrap().take();
        if let (Some(h), Some(t)) = (h, weak.upgrade()) {
            assert!(
                t.remove_event_listener(h),
                "removal from inside returns at once"
            );
        }
    });
    *me.lock().unwrap() = Some(h);
    let others = Arc::new(AtomicUsize::new(0));
    let o = Arc::clone(&others);
    t.add_on_echo_fired_listener(move |_| {
        o.fetch_add(1, SeqCst);
    });
    for i in 0..3 {
        t.echo(req(&i.to_string(), 0)).unwrap();
    }
    assert!(wait_until(LONG, || others.load(SeqCst) == 3));
    assert_eq!(calls.load(SeqCst), 1);
}

#[test]
fn dropping_a_subscription_removes_and_waits_for_the_running_listener() {
    let t = timer("t1");
    let running = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let (r, d) = (Arc::clone(&running), Arc::clone(&done));
    let sub = t.subscription(t.add_on_echo_fired_listener(move |_| {
        r.store(1, SeqCst);
        thread::sleep(Duration::from_millis(300));
        d.store(1, SeqCst);
    }));
    assert!(sub.handle().id >= 1);
    t.echo(req("x", 0)).unwrap();
    assert!(wait_until(LONG, || running.load(SeqCst) == 1));
    drop(sub); // waits for the listener's current call
    assert_eq!(
        done.load(SeqCst),
        1,
        "the drop returned while the listener ran"
    );
    assert!(
        !t.remove_event_listener(ListenerHandle { id: 1 }),
        "already removed"
    );
    let sub = t.subscription(t.add_on_echo_fired_listener(|_| {}));
    assert!(sub.unsubscribe());
}

#[test]
fn a_panicking_listener_is_contained() {
    let t = timer("t1");
    let after = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&after);
    t.add_on_echo_fired_listener(|e| panic!("listener bug on {}", e.message));
    t.add_on_echo_fired_listener(move |_| {
        a.fetch_add(1, SeqCst);
    });
    t.add_event_listener(|_, _, _| panic!("wildcard bug"));
    t.echo(req("boom", 0)).unwrap();
    t.echo(req("boom", 0)).unwrap();
    assert!(
        wait_until(LONG, || after.load(SeqCst) == 2),
        "later listeners still run"
    );
    assert_eq!(t.version().unwrap(), "timer v0.1.0");
}

#[test]
fn a_listener_may_call_the_library_blocking_or_not() {
    let t = Arc::new(timer("t1"));
    let got = Arc::new(Mutex::new(Vec::new()));
    let (weak, g) = (Arc::downgrade(&t), Arc::clone(&got));
    t.add_on_echo_fired_listener(move |e| {
        if let Some(t) = weak.upgrade() {
            if e.message == "outer" {
                let v = t.version().unwrap();
                let a = block_on(t.version_async()).unwrap();
                g.lock().unwrap().push(format!("{v}|{a}"));
            }
        }
    });
    t.echo(req("outer", 0)).unwrap();
    assert!(wait_until(LONG, || got.lock().unwrap().len() == 1));
    assert_eq!(got.lock().unwrap()[0], "timer v0.1.0|timer v0.1.0");
}

#[test]
fn timeouts_leave_late_replies_harmless() {
    let t = MyTimerCtx::create(
        TimerConfig {
            name: "slow".into(),
        },
        Duration::from_millis(300),
    )
    .unwrap();
    let fired = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&fired);
    t.add_on_echo_fired_listener(move |_| {
        f.fetch_add(1, SeqCst);
    });
    let started = Instant::now();
    let err = t.echo(req("late", 1200)).unwrap_err();
    assert_eq!(err, "echo: no reply within 300ms");
    assert!(started.elapsed() < Duration::from_millis(1100));
    let err = block_on(t.echo_async(req("late too", 1200))).unwrap_err();
    assert_eq!(err, "echo: no reply within 300ms");
    // A future dropped before its reply: the reply still finds its state.
    let mut dropped = Box::pin(t.echo_async(req("dropped", 600)));
    assert!(poll_once(&mut dropped).is_none());
    drop(dropped);
    // The library answers all three later; the events prove the replies ran.
    assert!(wait_until(LONG, || fired.load(SeqCst) == 3));
    thread::sleep(Duration::from_millis(50));
}

#[test]
fn dropping_the_last_owner_inside_a_listener_destroys_it_elsewhere() {
    // The library refuses to destroy a context from its own event thread;
    // the binding then destroys it from a new thread.
    let t = Arc::new(timer("t1"));
    let holder = Arc::new(Mutex::new(Some(Arc::clone(&t))));
    let main_dropped = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let (h, m, d) = (
        Arc::clone(&holder),
        Arc::clone(&main_dropped),
        Arc::clone(&dropped),
    );
    t.add_on_echo_fired_listener(move |_| {
        wait_until(LONG, || m.load(SeqCst) == 1);
        if let Some(t) = h.lock().unwrap().take() {
            drop(t); // the last owner
            d.store(1, SeqCst);
        }
    });
    t.echo(req("x", 0)).unwrap();
    drop(t);
    main_dropped.store(1, SeqCst);
    assert!(wait_until(LONG, || dropped.load(SeqCst) == 1));
    // The closure (and `holder` with it) is freed once the context is gone.
    assert!(wait_until(LONG, || Arc::strong_count(&holder) == 1));
}

#[test]
fn dropping_a_context_ends_it() {
    let t = timer("t1");
    let raw = t.as_raw();
    assert!(!raw.is_null());
    assert_eq!(t.timeout(), LONG);
    drop(t);
    let t2 = timer("t2");
    assert_eq!(t2.echo(req("after", 0)).unwrap().timer_name, "t2");
}
