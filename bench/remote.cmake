# perf_remote: echo through lib<lib>_remote.so + NATS + ffirt-serve vs in
# process, in one run (docs/remote.md). Needs the remote layer and
# nats-server; starts and stops its own servers.
find_program(FFIRT_NATS_SERVER nats-server PATHS /usr/sbin /usr/local/sbin /usr/bin)
if(TARGET my_timer_remote AND TARGET ffirt-serve AND FFIRT_NATS_SERVER)
  add_executable(perf_remote ${PROJECT_SOURCE_DIR}/bench/perf_remote.c)
  target_include_directories(perf_remote PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
  target_link_libraries(perf_remote PRIVATE PkgConfig::LIBNATS Threads::Threads ${CMAKE_DL_LIBS})
  target_compile_definitions(perf_remote PRIVATE
    FFIRT_NATS_SERVER_PATH="${FFIRT_NATS_SERVER}"
    FFIRT_SERVE_PATH="$<TARGET_FILE:ffirt-serve>"
    MY_TIMER_PATH="$<TARGET_FILE:my_timer>"
    MY_TIMER_REMOTE_PATH="$<TARGET_FILE:my_timer_remote>")
  add_dependencies(perf_remote my_timer my_timer_remote ffirt-serve)
  set_target_properties(perf_remote PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
