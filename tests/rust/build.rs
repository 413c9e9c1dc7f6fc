//! The rpath of the generated crates' libraries for the test binaries (a
//! dependency's build script cannot give its dependents link arguments; it
//! exports the directory as DEP_<LIB>_LIB_DIR instead).
fn main() {
    for lib in ["MY_TIMER", "ECHO", "KITCHEN_SINK"] {
        if let Ok(dir) = std::env::var(format!("DEP_{lib}_LIB_DIR")) {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        }
    }
}
