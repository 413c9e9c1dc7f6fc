//! Two executors written here, so the tests fetch no crate: `block_on` (the
//! smallest possible: park the thread until woken) and `Pool`, a few threads
//! polling spawned tasks whenever they are woken (the shape of a multi-thread
//! runtime). The binding's futures depend on neither.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `f` to completion on this thread.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = Box::pin(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

/// Polls `f` once with a waker that does nothing: returns it if pending.
pub fn poll_once<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
    struct Nop;
    impl Wake for Nop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Nop));
    match Pin::new(f).poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Task {
    fut: Mutex<Option<BoxFuture>>,
    queue: Mutex<Sender<Arc<Task>>>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        let q = self.queue.lock().unwrap().clone();
        let _ = q.send(self);
    }
}

/// A thread-pool executor: tasks are polled on whichever worker picks them
/// up after a wake.
pub struct Pool {
    queue: Sender<Arc<Task>>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    pub fn new(threads: usize) -> Pool {
        let (tx, rx) = channel::<Arc<Task>>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..threads)
            .map(|_| {
                let rx = Arc::clone(&rx);
                thread::spawn(move || loop {
                    let task = match rx.lock().unwrap().recv() {
                        Ok(t) => t,
                        Err(_) => return,
                    };
                    let mut slot = task.fut.lock().unwrap();
                    if let Some(mut f) = slot.take() {
                        let waker = Waker::from(Arc::clone(&task));
                        if f.as_mut()
                            .poll(&mut Context::from_waker(&waker))
                            .is_pending()
                        {
                            *slot = Some(f);
                        }
                    }
                })
            })
            .collect();
        Pool { queue: tx, workers }
    }

    /// Runs `f` on the pool; the receiver gets its output.
    pub fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> Receiver<T> {
        let (tx, rx) = channel();
        let fut: BoxFuture = Box::pin(async move {
            let _ = tx.send(f.await);
        });
        let task = Arc::new(Task {
            fut: Mutex::new(Some(fut)),
            queue: Mutex::new(self.queue.clone()),
        });
        let _ = self.queue.send(task);
        rx
    }

    /// Stops feeding the workers; they end once no task can be woken any
    /// more (not joined: a waker kept somewhere would keep one waiting).
    pub fn shutdown(self) {
        drop(self.queue);
        drop(self.workers);
    }
}

/// Waits until `cond` holds, at most `limit`.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(2));
    }
    cond()
}
