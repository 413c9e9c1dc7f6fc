//! my_timer and echo in one process, each through its own generated crate.

use echo::{EchoConfig, EchoCtx, ShoutRequest, ShoutResponse};
use my_timer::{EchoRequest, MyTimerCtx, TimerConfig};
use std::thread;
use std::time::Duration;

mod support;
use support::block_on;

const LONG: Duration = Duration::from_secs(20);

#[test]
fn both_libraries_answer_side_by_side() {
    let e = EchoCtx::create(EchoConfig { prefix: "p".into() }, LONG).unwrap();
    let t = MyTimerCtx::create(TimerConfig { name: "t".into() }, LONG).unwrap();
    assert_eq!(
        e.shout(ShoutRequest {
            text: "hello".into()
        })
        .unwrap(),
        ShoutResponse {
            shouted: "p: HELLO".into(),
            prefix: "p".into()
        }
    );
    assert_eq!(e.version().unwrap(), "echo v0.1.0");
    assert_eq!(t.version().unwrap(), "timer v0.1.0");
    let shouted = block_on(e.shout_async(ShoutRequest {
        text: "mixed Case 1".into(),
    }))
    .unwrap();
    assert_eq!(shouted.shouted, "p: MIXED CASE 1");
    thread::scope(|s| {
        s.spawn(|| {
            for i in 0..20 {
                let r = t
                    .echo(EchoRequest {
                        message: i.to_string(),
                        delay_ms: 0,
                    })
                    .unwrap();
                assert_eq!(r.echoed, i.to_string());
            }
        });
        s.spawn(|| {
            for i in 0..20 {
                let r = e
                    .shout(ShoutRequest {
                        text: format!("x{i}"),
                    })
                    .unwrap();
                assert_eq!(r.shouted, format!("p: X{i}"));
            }
        });
    });
    // Destroying one leaves the other working.
    drop(t);
    assert_eq!(e.version().unwrap(), "echo v0.1.0");
}

#[test]
fn an_async_constructor_of_each() {
    let e = block_on(EchoCtx::new_async(EchoConfig { prefix: "q".into() }, LONG)).unwrap();
    let t = block_on(MyTimerCtx::new_async(
        TimerConfig { name: "u".into() },
        LONG,
    ))
    .unwrap();
    assert_eq!(block_on(e.version_async()).unwrap(), "echo v0.1.0");
    assert_eq!(block_on(t.version_async()).unwrap(), "timer v0.1.0");
}
