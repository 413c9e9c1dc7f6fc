//! Lets the program find libmy_timer.so without LD_LIBRARY_PATH: the
//! my_timer crate exports the directory it links from (its `links` key).
fn main() {
    if let Ok(dir) = std::env::var("DEP_MY_TIMER_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
