//! Every IDL type through the generated kitchen_sink crate: native
//! conversions both ways (echo methods), flattened parameters (set_many),
//! leaf results, statics, and every event through the typed listeners and
//! through the CBOR envelope and the generated decoders.

mod support;

use kitchen_sink::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{block_on, wait_until};

const LONG: Duration = Duration::from_secs(20);

fn kitchen() -> KitchenStateCtx {
    KitchenStateCtx::create(Config { name: "k".into() }, LONG).unwrap()
}

fn scalars(seed: i64) -> Scalars {
    Scalars {
        flag: seed % 2 == 0,
        i8v: i8::MIN,
        i16v: i16::MAX,
        i32v: -7 * seed as i32,
        i64v: i64::MIN + seed,
        u8v: u8::MAX,
        u16v: 65535,
        u32v: u32::MAX,
        u64v: u64::MAX - seed as u64,
        f32v: 1.5,
        f64v: -0.125 * seed as f64,
        text: format!("text é {seed}"),
        blob: vec![0, 1, 2, 255],
        color: Color::Violet,
    }
}

fn containers() -> Containers {
    Containers {
        points: vec![
            Point { x: 1, y: -1 },
            Point {
                x: i32::MAX,
                y: i32::MIN,
            },
        ],
        origin: Some(Point { x: 0, y: 0 }),
        maybe_names: vec![Some("a".into()), None, Some(String::new())],
        maybe_numbers: Some(vec![1, -2, i64::MAX]),
        colors: vec![Color::Red, Color::Green, Color::Blue, Color::Black],
        favourite: Some(Color::Green),
        blobs: vec![vec![], vec![9; 5]],
        nothing: Some(Empty {}),
    }
}

fn everything() -> Everything {
    let leaf = Everything {
        scalars: scalars(3),
        containers: Containers {
            points: vec![],
            origin: None,
            maybe_names: vec![],
            maybe_numbers: None,
            colors: vec![],
            favourite: None,
            blobs: vec![],
            nothing: None,
        },
        empty: Empty {},
        children: vec![],
    };
    Everything {
        scalars: scalars(2),
        containers: containers(),
        empty: Empty {},
        children: vec![leaf.clone(), leaf],
    }
}

#[test]
fn every_type_round_trips_through_the_native_abi() {
    let k = kitchen();
    assert_eq!(k.echo_scalars(scalars(1)).unwrap(), scalars(1));
    assert_eq!(k.echo_containers(containers()).unwrap(), containers());
    assert_eq!(k.echo_everything(everything()).unwrap(), everything());
    assert_eq!(
        block_on(k.echo_everything_async(everything())).unwrap(),
        everything()
    );
}

#[test]
fn flattened_parameters_and_leaf_results() {
    let k = kitchen();
    k.set_many(
        1,
        "two".into(),
        vec![3],
        Color::Blue,
        Point { x: 4, y: 5 },
        vec!["six".into(), "seven".into()],
        Some(8),
    )
    .unwrap();
    let err = k
        .set_many(
            1,
            "two".into(),
            vec![3],
            Color::Blue,
            Point { x: 4, y: 5 },
            vec![],
            None,
        )
        .unwrap_err();
    assert_eq!(err, "f has 0 items");
    assert_eq!(k.counter().unwrap() + 1, k.counter().unwrap());
    assert_eq!(
        k.nested().unwrap(),
        vec![Some("a".to_owned()), None, Some("c".to_owned())]
    );
    assert_eq!(k.maybe_blob().unwrap(), Some(vec![1, 2, 3]));
}

#[test]
fn statics_need_no_context() {
    assert_eq!(KitchenStateCtx::lib_version(LONG).unwrap(), "kitchen v1");
    assert_eq!(KitchenStateCtx::add(40, 2, LONG).unwrap(), 42);
    assert_eq!(
        block_on(KitchenStateCtx::add_async(-1, -2, LONG)).unwrap(),
        -3
    );
    KitchenStateCtx::ping(LONG).unwrap();
}

#[test]
fn a_failing_constructor_is_an_error() {
    let err = KitchenStateCtx::create(
        Config {
            name: "fail".into(),
        },
        LONG,
    )
    .unwrap_err();
    assert_eq!(err, "refusing to create a kitchen named fail");
    let err = block_on(KitchenStateCtx::new_async(
        Config {
            name: "fail".into(),
        },
        LONG,
    ))
    .unwrap_err();
    assert_eq!(err, "refusing to create a kitchen named fail");
}

#[test]
fn constants_and_enums() {
    assert_eq!((MAX_U64, MIN_I64, MAX_U8), (u64::MAX, i64::MIN, 255));
    assert_eq!(GREETING, "hello \"sink\"\\\n\t\u{e9}");
    assert_eq!(Color::Violet.wire_name(), "ultra-violet");
    assert_eq!(Color::Black as i32, 10);
}

#[test]
fn events_typed_and_through_the_envelope() {
    let k = kitchen();
    let typed = Arc::new(Mutex::new(Vec::new()));
    let (t1, t2, t3) = (Arc::clone(&typed), Arc::clone(&typed), Arc::clone(&typed));
    k.add_on_everything_listener(move |e: &Everything| t1.lock().unwrap().push(format!("{e:?}")));
    k.add_pair_seen_listener(move |p: &PairSeenPayload| t2.lock().unwrap().push(format!("{p:?}")));
    k.add_tick_listener(move |n: &u64| t3.lock().unwrap().push(format!("tick {n}")));
    let envs = Arc::new(Mutex::new(Vec::new()));
    let e2 = Arc::clone(&envs);
    k.add_event_listener(move |_, name, env| {
        e2.lock().unwrap().push((name.to_owned(), env.to_vec()))
    });

    k.emit_all(everything()).unwrap();
    assert!(wait_until(LONG, || envs.lock().unwrap().len() >= 3
        && typed.lock().unwrap().len() == 3));

    let pair = PairSeenPayload {
        name: "pair".into(),
        count: 42,
        r#where: Some(Point { x: -1, y: 2 }),
    };
    assert_eq!(
        *typed.lock().unwrap(),
        vec![
            format!("{:?}", everything()),
            format!("{pair:?}"),
            "tick 7".to_owned()
        ]
    );
    let envs = envs.lock().unwrap();
    let find = |n: &str| {
        envs.iter()
            .find(|(name, _)| name == n)
            .map(|(_, e)| e.clone())
            .unwrap()
    };
    assert_eq!(
        decode_event_payload::<Everything>(&find("on_everything")).unwrap(),
        everything()
    );
    assert_eq!(
        decode_event_payload::<PairSeenPayload>(&find("pair_seen")).unwrap(),
        pair
    );
    assert_eq!(decode_event_payload::<u64>(&find("tick")).unwrap(), 7);
    assert_eq!(decode_event_payload::<i8>(&find("tick")).unwrap(), 7);
    assert_eq!(
        decode_event_payload::<Point>(&find("pair_seen")).unwrap_err(),
        "payload: unknown key \"name\""
    );
}
