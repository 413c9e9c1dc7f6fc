//! The my_timer example library from Rust: a context, a blocking and an
//! asynchronous call, a typed and a wildcard listener, an error.
//!
//! The async call runs on a ten-line `block_on`: the binding's futures are
//! plain `std::future::Future`s woken by the library's reply, so tokio,
//! async-std or anything else runs them the same way.

use my_timer::{decode_event_payload, EchoEvent, EchoRequest, JobSpec, MyTimerCtx};
use my_timer::{RetryPolicy, ScheduleConfig, TimerConfig};
use std::future::Future;
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every call on this context gives up after 5 s.
    let timer = MyTimerCtx::create(
        TimerConfig {
            name: "rusty".into(),
        },
        Duration::from_secs(5),
    )?;
    println!("{}", timer.version()?);

    // Typed events: the closure runs on the context's event thread. The
    // Subscription removes the listener when dropped.
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _fired = timer.subscription(timer.add_on_echo_fired_listener(move |e: &EchoEvent| {
        let _ = tx.lock().unwrap().send(e.message.clone());
    }));

    // Every event, as CBOR: decode the payload by its type.
    timer.add_event_listener(|_, event_type, envelope| {
        if event_type == "on_echo_fired" {
            if let Ok(e) = decode_event_payload::<EchoEvent>(envelope) {
                println!("wildcard: {event_type} {e:?}");
            }
        }
    });

    let reply = timer.echo(EchoRequest {
        message: "hello from Rust".into(),
        delay_ms: 10,
    })?;
    println!("echoed: {} (timer {})", reply.echoed, reply.timer_name);
    println!("event: {}", rx.recv_timeout(Duration::from_secs(5))?);

    let reply = block_on(timer.echo_async(EchoRequest {
        message: "async".into(),
        delay_ms: 10,
    }))?;
    println!("async echoed: {}", reply.echoed);

    // Errors are the library's texts.
    let err = timer
        .schedule(
            JobSpec {
                name: String::new(),
                payload: vec![],
                priority: 0,
            },
            RetryPolicy {
                max_attempts: 1,
                backoff_ms: 0,
                retry_on: vec![],
            },
            ScheduleConfig {
                start_at_ms: 0,
                interval_ms: 0,
                jitter: None,
            },
        )
        .unwrap_err();
    println!("schedule error: {err}");
    Ok(()) // dropping `timer` destroys the context
}

fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut f = Box::pin(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(&waker)) {
            return v;
        }
        std::thread::park();
    }
}
