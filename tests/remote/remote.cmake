# Tests of the remote layer (issue 15): the reflection descriptor, ffirt-serve
# and the generated lib<lib>_remote.so over NATS. See docs/remote.md.
if(NOT TARGET my_timer OR NOT TARGET echo OR NOT TARGET ffirt_gen_core)
  return()
endif()
set(_rt ${PROJECT_SOURCE_DIR}/tests/remote)

# The descriptor read through dlopen, checked against the front end and the
# generated .cddl file.
add_executable(test_describe ${_rt}/test_describe.c)
target_link_libraries(test_describe PRIVATE ffirt_gen_core ${CMAKE_DL_LIBS})
target_include_directories(test_describe PRIVATE ${PROJECT_SOURCE_DIR}/include)
set_target_properties(test_describe PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_dependencies(test_describe my_timer echo)
foreach(_l my_timer echo)
  if(_l STREQUAL "my_timer")
    set(_idl ${PROJECT_SOURCE_DIR}/examples/timer/my_timer.ffi)
  else()
    set(_idl ${PROJECT_SOURCE_DIR}/examples/echo/echo.ffi)
  endif()
  add_test(NAME remote_describe_${_l} COMMAND test_describe $<TARGET_FILE:${_l}> ${_idl}
    ${FFIRT_GENERATED_INCLUDE_DIR}/${_l}/${_l}.cddl)
  set_tests_properties(remote_describe_${_l} PROPERTIES TIMEOUT 30 LABELS "unit;remote")
endforeach()

# lib<lib>_remote.so exports what lib<lib>.so exports to hosts.
if(TARGET my_timer_remote)
  add_test(NAME remote_exports_my_timer
    COMMAND bash ${_rt}/remote_exports.sh $<TARGET_FILE:my_timer_remote>
      ${PROJECT_SOURCE_DIR}/tests/build/my_timer.exports)
  set_tests_properties(remote_exports_my_timer PROPERTIES LABELS "unit;remote;nosan" TIMEOUT 60)
endif()

if(TARGET ffirt_serve_core)
  # Hostile input against ffirt-serve's handler (serve_core.c) with a fake
  # transport: no NATS needed, so it also runs under ASan/UBSan and TSan.
  add_executable(test_serve_fuzz ${_rt}/test_serve_fuzz.c)
  target_link_libraries(test_serve_fuzz PRIVATE ffirt_serve_core ${CMAKE_DL_LIBS})
  set_target_properties(test_serve_fuzz PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_dependencies(test_serve_fuzz my_timer)
  add_test(NAME remote_serve_fuzz COMMAND test_serve_fuzz $<TARGET_FILE:my_timer> 3000)
  set_tests_properties(remote_serve_fuzz PROPERTIES TIMEOUT 120 LABELS "unit;remote;concurrency")
endif()

# ---- over NATS: needs nats-server (scripts/deps.sh) and the remote layer.
find_program(FFIRT_NATS_SERVER nats-server PATHS /usr/sbin /usr/local/sbin /usr/bin)
if(NOT TARGET ffirt-serve OR NOT TARGET my_timer_remote OR NOT FFIRT_NATS_SERVER)
  message(STATUS "remote: nats-server or libnats missing; the NATS tests are not registered")
  return()
endif()

# ffirt__remote_test(NAME [CLUSTER] [SERVE lib...] [PRELOAD lib...] COMMAND cmd...)
# Labels: remote, e2e, nosan (the e2e binaries run with LD_PRELOAD of the
# remote libraries, which an ASan binary refuses: its runtime must come first).
function(ffirt__remote_test NAME)
  cmake_parse_arguments(R "CLUSTER" "TIMEOUT" "SERVE;PRELOAD;COMMAND;LABELS" ${ARGN})
  set(args)
  foreach(_l ${R_SERVE})
    list(APPEND args --serve $<TARGET_FILE:${_l}>)
  endforeach()
  foreach(_l ${R_PRELOAD})
    list(APPEND args --preload $<TARGET_FILE:${_l}>)
  endforeach()
  if(R_CLUSTER)
    list(APPEND args --cluster)
  endif()
  if(NOT R_TIMEOUT)
    set(R_TIMEOUT 60)
  endif()
  add_test(NAME ${NAME} COMMAND bash ${_rt}/with_nats.sh ${args} -- ${R_COMMAND})
  if(NOT R_LABELS)
    set(R_LABELS nosan)
  endif()
  set_tests_properties(${NAME} PROPERTIES TIMEOUT ${R_TIMEOUT} LABELS "remote;e2e;${R_LABELS}"
    ENVIRONMENT "FFIRT_SERVE=$<TARGET_FILE:ffirt-serve>;NATS_SERVER=${FFIRT_NATS_SERVER}")
endfunction()

# The unchanged C e2e binaries (linked against libmy_timer.so and libecho.so)
# through the remote libraries: examples.md in both ABIs, events, two libraries.
foreach(_t test_e2e_timer test_e2e_events test_e2e_two_libraries test_e2e_cbor_host
    test_e2e_typed test_e2e_abi test_e2e_nimffi test_e2e_cbor_alloc)
  if(TARGET ${_t})
    ffirt__remote_test(remote_${_t} SERVE my_timer echo PRELOAD my_timer_remote echo_remote
      COMMAND $<TARGET_FILE:${_t}>)
  endif()
endforeach()
# The demo's output is the in-process one, byte for byte.
ffirt__remote_test(remote_demo_output SERVE my_timer PRELOAD my_timer_remote
  COMMAND sh ${PROJECT_SOURCE_DIR}/tests/e2e/demo_diff.sh $<TARGET_FILE:my_timer_demo>
  ${PROJECT_SOURCE_DIR}/tests/e2e/demo.expected)
# A 3-node cluster: the client on node 1, the servers on node 3.
ffirt__remote_test(remote_cluster_e2e_timer CLUSTER SERVE my_timer echo
  PRELOAD my_timer_remote echo_remote COMMAND $<TARGET_FILE:test_e2e_timer>)

# Failure semantics (queue group + SIGKILL, drain + restart, no NATS), in a
# host linked against lib<lib>_remote.so itself: no LD_PRELOAD, so these also
# run under ASan (label asan_ok instead of nosan); not under TSan, as libnats
# is not instrumented.
add_executable(test_remote_faults ${_rt}/test_remote_faults.c
  ${PROJECT_SOURCE_DIR}/tests/e2e/e2e_wait.c)
target_include_directories(test_remote_faults PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR}
  ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_SOURCE_DIR}/tests/e2e)
target_link_libraries(test_remote_faults PRIVATE my_timer_remote Threads::Threads)
set_target_properties(test_remote_faults PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_dependencies(test_remote_faults my_timer ffirt-serve)
foreach(_case queue restart)
  ffirt__remote_test(remote_faults_${_case}
    COMMAND $<TARGET_FILE:test_remote_faults> $<TARGET_FILE:my_timer> ${_case} LABELS asan_ok)
endforeach()
# NATS itself dies and restarts; NATS with token auth (each runs its own
# nats-server on a free loopback port).
foreach(_case natsdown token)
  add_test(NAME remote_faults_${_case}
    COMMAND $<TARGET_FILE:test_remote_faults> $<TARGET_FILE:my_timer> ${_case})
  set_tests_properties(remote_faults_${_case} PROPERTIES TIMEOUT 60 LABELS "remote;e2e;asan_ok"
    ENVIRONMENT "FFIRT_SERVE=$<TARGET_FILE:ffirt-serve>;NATS_SERVER=${FFIRT_NATS_SERVER}")
endforeach()
# Protocol batching (docs/remote.md): fewer messages than calls under load,
# no hold-back beside a slow call.
ffirt__remote_test(remote_faults_batch SERVE my_timer
  COMMAND $<TARGET_FILE:test_remote_faults> - batch LABELS asan_ok)
add_test(NAME remote_faults_nonats
  COMMAND ${CMAKE_COMMAND} -E env FFIRT_NATS_URL=nats://127.0.0.1:1
  $<TARGET_FILE:test_remote_faults> - nonats)
set_tests_properties(remote_faults_nonats PROPERTIES TIMEOUT 30 LABELS "remote;e2e;asan_ok")

# The Go and Rust bindings' own tests through the remote libraries (no
# rebuild: the same build tree's cargo target dir and go module), all of
# them: TestDroppedEventsAreReported overflows the client's event
# subscription, whose limit is the library's event queue capacity.
if(TEST go_binding AND DEFINED FFIRT_GO)
  ffirt__remote_test(remote_go_binding SERVE my_timer echo PRELOAD my_timer_remote echo_remote
    TIMEOUT 600
    COMMAND ${CMAKE_COMMAND} -E chdir ${PROJECT_SOURCE_DIR}/tests/go
      ${CMAKE_COMMAND} -E env ${go_env} ${FFIRT_GO} test -count=1
      -modfile=${CMAKE_BINARY_DIR}/tests/go/go.mod ./...)
endif()
if(TEST rust_binding AND DEFINED FFIRT_CARGO)
  ffirt__remote_test(remote_rust_binding SERVE my_timer echo PRELOAD my_timer_remote echo_remote
    TIMEOUT 600
    COMMAND ${CMAKE_COMMAND} -E env ${_rust_env} ${FFIRT_CARGO} test --offline --quiet
      --manifest-path ${CMAKE_BINARY_DIR}/tests/rust/Cargo.toml)
  set_tests_properties(remote_rust_binding PROPERTIES RESOURCE_LOCK cargo_target)
endif()

# ---- the C++ and Python bindings' own tests through the remote libraries
# (docs/remote.md, "Bindings"). my_timer, echo, kitchen_sink and edges are
# all served: every library these suites call goes over NATS.
set(_rlibs my_timer echo kitchen_sink edges)
set(_rlibs_remote my_timer_remote echo_remote kitchen_sink_remote edges_remote)
# The GoogleTest binary is linked against lib<lib>.so: LD_PRELOAD of the
# remote libraries interposes, as for the C e2e binaries (so nosan).
# Skipped (docs/remote.md, "Bindings' tests"):
#  - CppCalls.CreateFailure: lowers the context limit of this process's
#    runtime (ffirt_ctx_set_max_contexts); remotely the library runs in
#    ffirt-serve, whose limit is --max-contexts.
#  - CppTimeouts.DestroyRightAfterATimedOutCall: expects a call still queued
#    when destroy runs; remotely the server hands it to the library as it
#    arrives and my_timer's echo waits on a timer, so it is running, not
#    queued, when $destroy arrives, and completes (RET_OK), as a running
#    call does in process.
if(TARGET test_cpp AND TARGET kitchen_sink_remote AND TARGET edges_remote)
  ffirt__remote_test(remote_cpp_binding SERVE ${_rlibs} PRELOAD ${_rlibs_remote}
    TIMEOUT 300 COMMAND $<TARGET_FILE:test_cpp>
    --gtest_filter=-CppCalls.CreateFailure:CppTimeouts.DestroyRightAfterATimedOutCall)
endif()
# ctypes looks symbols up in the library it dlopen()ed (dlsym on its
# handle), so LD_PRELOAD does not interpose there: the packages load the
# remote libraries instead, through FFIRT_LIB_PATH = a directory whose
# lib<lib>.so are links to lib<lib>_remote.so (one FFIRT_LIB_PATH serves
# every package, so a single file would not do). Skipped:
# test_refused_constructor_raises_error lowers the context limit of this
# process's runtime, which the remote library does not use (as for C++).
if(TEST python_binding AND TARGET kitchen_sink_remote AND TARGET edges_remote)
  set(_pydir ${CMAKE_BINARY_DIR}/tests/python-remote-lib)
  set(_links)
  foreach(_l ${_rlibs})
    add_custom_command(OUTPUT ${_pydir}/lib${_l}.so
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_pydir}
      COMMAND ${CMAKE_COMMAND} -E create_symlink $<TARGET_FILE:${_l}_remote> ${_pydir}/lib${_l}.so
      DEPENDS ${_l}_remote VERBATIM)
    list(APPEND _links ${_pydir}/lib${_l}.so)
  endforeach()
  add_custom_target(python_remote_lib_links ALL DEPENDS ${_links})
  ffirt__remote_test(remote_python_binding SERVE ${_rlibs} TIMEOUT 300
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${CMAKE_BINARY_DIR}/python
      PYTHONDONTWRITEBYTECODE=1 FFIRT_GEN=$<TARGET_FILE:ffirt-gen> FFIRT_LIB_PATH=${_pydir}
      /usr/bin/python3 -m pytest -q -p no:cacheprovider
      -k "not test_refused_constructor_raises_error"
      ${PROJECT_SOURCE_DIR}/tests/python/test_my_timer.py
      ${PROJECT_SOURCE_DIR}/tests/python/test_kitchen_sink.py
      ${PROJECT_SOURCE_DIR}/tests/python/test_edges.py)
endif()

# ---- NATS authorization (tests/remote/nats_auth.py, docs/remote.md
# "Security"): the documented subject-permission layout, read from
# docs/remote.md itself, with users server and client (and a client that may
# not publish to its contexts); operator mode with generated nkeys, JWTs and
# .creds files (python3-cryptography for ed25519). The e2e binaries run with
# LD_PRELOAD, so nosan.
foreach(_case perms creds)
  add_test(NAME remote_auth_${_case}
    COMMAND /usr/bin/python3 ${_rt}/nats_auth.py ${_case}
      --doc ${PROJECT_SOURCE_DIR}/docs/remote.md --lib $<TARGET_FILE:my_timer>
      --preload $<TARGET_FILE:my_timer_remote> --faults $<TARGET_FILE:test_remote_faults>
      $<TARGET_FILE:test_e2e_timer> $<TARGET_FILE:test_e2e_events>)
  set_tests_properties(remote_auth_${_case} PROPERTIES TIMEOUT 120 LABELS "remote;e2e;nosan"
    ENVIRONMENT "FFIRT_SERVE=$<TARGET_FILE:ffirt-serve>;NATS_SERVER=${FFIRT_NATS_SERVER};PYTHONDONTWRITEBYTECODE=1")
endforeach()

# ---- the remote layer from an installed ffirt (docs/remote.md, "Install"):
# what `cmake --install` puts in the prefix, and a user's own
# ffirt_add_library() through find_package(ffirt COMPONENTS remote) builds
# lib<lib>_remote.so, whose host calls the installed ffirt-serve.
add_test(NAME remote_install_user_library
  COMMAND bash ${_rt}/install_remote_test.sh ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(remote_install_user_library PROPERTIES TIMEOUT 180
  LABELS "remote;e2e;nosan" ENVIRONMENT "NATS_SERVER=${FFIRT_NATS_SERVER}")

# Leases, slow listeners and a paused server (test_remote_faults lease, slow,
# pause; docs/remote.md, semantics). The host links libnats itself to read
# the servers' heartbeats.
target_link_libraries(test_remote_faults PRIVATE PkgConfig::LIBNATS)
foreach(_case lease slow pause)
  ffirt__remote_test(remote_faults_${_case}
    COMMAND $<TARGET_FILE:test_remote_faults> $<TARGET_FILE:my_timer> ${_case} LABELS asan_ok
    TIMEOUT 60)
endforeach()
