# The Rust binding (src/gen/lang/emit_rust.c): `cargo test` of the generated
# my_timer, echo and kitchen_sink crates (build/rust/<lib>/) with the tests in
# tests/rust/, clippy and rustdoc on the crates, and the example host
# examples/timer/rust/. Everything cargo builds goes to build/cargo-target;
# nothing is fetched (the crates have no dependencies: --offline). Label
# "nosan": a Rust program cannot load the ASan build of the libraries.
find_program(FFIRT_CARGO cargo HINTS $ENV{HOME}/.cargo/bin)
if(NOT FFIRT_CARGO OR NOT TARGET my_timer_rust OR NOT TARGET echo_rust OR NOT TARGET kitchen_sink_rust)
  message(STATUS "rust: cargo or the example crates missing; Rust binding tests not registered")
  return()
endif()
set(_rust_crates ${CMAKE_BINARY_DIR}/rust)

# Under ThreadSanitizer (the tsan suite's build): the same cargo tests against
# this build's instrumented libraries, the TSan runtime preloaded into the
# test binaries only (cargo's runner), checking the C side: Rust's std is not
# instrumented, so its own accesses are ignored (ignore_noninstrumented_modules).
if(FFIRT_SANITIZE STREQUAL "thread")
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libtsan.so.2
    OUTPUT_VARIABLE _tsan_rt OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(IS_ABSOLUTE "${_tsan_rt}" AND EXISTS "${_tsan_rt}")
    set(FFIRT_RUST_TESTS ${PROJECT_SOURCE_DIR}/tests/rust)
    set(FFIRT_RUST_CRATES ${_rust_crates})
    configure_file(${PROJECT_SOURCE_DIR}/tests/rust/Cargo.toml.in
      ${CMAKE_BINARY_DIR}/tests/rust/Cargo.toml @ONLY)
    add_test(NAME rust_binding_tsan
      COMMAND ${CMAKE_COMMAND} -E env CARGO_TARGET_DIR=${CMAKE_BINARY_DIR}/cargo-target
        CARGO_TERM_COLOR=never
        "TSAN_OPTIONS=halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1"
        ${FFIRT_CARGO} test --offline --quiet
        --config "target.'cfg(all())'.runner = ['env', 'LD_PRELOAD=${_tsan_rt}']"
        --manifest-path ${CMAKE_BINARY_DIR}/tests/rust/Cargo.toml)
    set_tests_properties(rust_binding_tsan PROPERTIES LABELS "concurrency" TIMEOUT 900)
  endif()
  return()
endif()
set(_rust_env CARGO_TARGET_DIR=${CMAKE_BINARY_DIR}/cargo-target CARGO_TERM_COLOR=never)

set(FFIRT_RUST_TESTS ${PROJECT_SOURCE_DIR}/tests/rust)
set(FFIRT_RUST_CRATES ${_rust_crates})
configure_file(${PROJECT_SOURCE_DIR}/tests/rust/Cargo.toml.in
  ${CMAKE_BINARY_DIR}/tests/rust/Cargo.toml @ONLY)
add_test(NAME rust_binding
  COMMAND ${CMAKE_COMMAND} -E env ${_rust_env}
    ${FFIRT_CARGO} test --offline --quiet --manifest-path ${CMAKE_BINARY_DIR}/tests/rust/Cargo.toml)
set_tests_properties(rust_binding PROPERTIES LABELS "nosan;unit" TIMEOUT 900 RESOURCE_LOCK cargo_target)

# The crate's own tests (the CBOR reader) and its doc build; clippy and
# rustfmt on every generated crate when clippy is installed (lint.sh).
add_test(NAME rust_crate
  COMMAND ${CMAKE_COMMAND} -E env ${_rust_env} RUSTDOCFLAGS=-Dwarnings
    sh -c "\"$0\" test --offline --quiet --manifest-path \"$1/my_timer/Cargo.toml\" && \"$0\" doc --offline --quiet --no-deps --manifest-path \"$1/my_timer/Cargo.toml\""
    ${FFIRT_CARGO} ${_rust_crates})
set_tests_properties(rust_crate PROPERTIES LABELS "nosan;unit" TIMEOUT 900 RESOURCE_LOCK cargo_target)

execute_process(COMMAND ${FFIRT_CARGO} clippy --version RESULT_VARIABLE _clippy_rc OUTPUT_QUIET ERROR_QUIET)
if(_clippy_rc EQUAL 0)
  file(GLOB _rust_shapes ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/shapes/*.ffi)
  file(GLOB _rust_sources ${PROJECT_SOURCE_DIR}/tests/rust/*.rs ${PROJECT_SOURCE_DIR}/tests/rust/*/*.rs
    ${PROJECT_SOURCE_DIR}/examples/timer/rust/*.rs ${PROJECT_SOURCE_DIR}/examples/timer/rust/src/*.rs
    ${PROJECT_SOURCE_DIR}/bench/rust/*.rs ${PROJECT_SOURCE_DIR}/bench/rust/src/*.rs)
  string(REPLACE ";" " " _rust_sources "${_rust_sources}")
  add_test(NAME rust_lint
    COMMAND ${CMAKE_COMMAND} -E env ${_rust_env} "FFIRT_RUST_SOURCES=${_rust_sources}"
      sh ${PROJECT_SOURCE_DIR}/tests/rust/lint.sh ${FFIRT_CARGO} $<TARGET_FILE:ffirt-gen>
      ${_rust_crates} ${CMAKE_BINARY_DIR}/tests/rust-shapes ${_rust_shapes})
  set_tests_properties(rust_lint PROPERTIES LABELS "nosan;unit" TIMEOUT 900 RESOURCE_LOCK cargo_target)
else()
  message(STATUS "rust: cargo clippy not installed; rust_lint not registered")
endif()

# The example host, from a copy of its manifest that points at this build.
file(READ ${PROJECT_SOURCE_DIR}/examples/timer/rust/Cargo.toml _ex)
string(REPLACE "../../../build/rust/my_timer" "${_rust_crates}/my_timer" _ex "${_ex}")
string(REPLACE "\"build.rs\"" "\"${PROJECT_SOURCE_DIR}/examples/timer/rust/build.rs\"" _ex "${_ex}")
string(REPLACE "\"src/main.rs\"" "\"${PROJECT_SOURCE_DIR}/examples/timer/rust/src/main.rs\"" _ex "${_ex}")
file(WRITE ${CMAKE_BINARY_DIR}/examples/timer/rust/Cargo.toml.tmp "${_ex}")
configure_file(${CMAKE_BINARY_DIR}/examples/timer/rust/Cargo.toml.tmp
  ${CMAKE_BINARY_DIR}/examples/timer/rust/Cargo.toml COPYONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/examples/timer/rust/Cargo.toml)
add_test(NAME rust_example
  COMMAND ${CMAKE_COMMAND} -E env ${_rust_env}
    ${FFIRT_CARGO} run --offline --quiet --manifest-path ${CMAKE_BINARY_DIR}/examples/timer/rust/Cargo.toml)
set_tests_properties(rust_example PROPERTIES LABELS "nosan;unit" TIMEOUT 900 RESOURCE_LOCK cargo_target
  PASS_REGULAR_EXPRESSION "echoed: hello from Rust")
