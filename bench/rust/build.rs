//! rpath of libmy_timer.so (see tests/rust/build.rs).
fn main() {
    if let Ok(dir) = std::env::var("DEP_MY_TIMER_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
