//! Crate `my_timer` generated from tests/e2e/abi_skew.ffi (one field more in
//! `TimerConfig`) against the real libmy_timer.so: `create` must fail with
//! the mismatch error instead of calling the export.

use my_timer::*;
use std::time::Duration;

#[test]
fn create_fails_on_abi_mismatch() {
    let config = TimerConfig {
        name: "skew".into(),
        tick: 1,
    };
    let err = MyTimerCtx::create(config, Duration::from_secs(20))
        .expect_err("create succeeded against a library built from another IDL");
    let prefix = format!(
        "my_timer: ABI mismatch: this crate was generated with fingerprint \
         {ABI_FINGERPRINT:016x}, the loaded library has "
    );
    let suffix = "; regenerate the binding";
    assert!(
        err.starts_with(&prefix) && err.ends_with(suffix),
        "{err:?}, want {prefix:?}<library's fingerprint>{suffix:?}"
    );
    let hex = &err[prefix.len()..err.len() - suffix.len()];
    let library = u64::from_str_radix(hex, 16).expect("16 hex digits");
    assert_eq!(hex.len(), 16, "{err:?}");
    assert_ne!(library, ABI_FINGERPRINT);
    assert_eq!(check_abi(), Err(err));
}
