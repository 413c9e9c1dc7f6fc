# perf_e2e: the example library's full round trip in both ABIs (see the
# comment at the top of perf_e2e.c). Built when the examples are; `make bench`
# runs it with the other build/bench/* programs.
if(TARGET my_timer)
  add_executable(perf_e2e ${PROJECT_SOURCE_DIR}/bench/perf_e2e.c)
  target_include_directories(perf_e2e PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
  # The shared runtime, like the library: one copy of the runtime per process.
  target_link_libraries(perf_e2e PRIVATE my_timer ffirt Threads::Threads)
  set_target_properties(perf_e2e PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
  # perf_load: the same library under load (busy cores, many contexts):
  # tails per row (see the comment at the top of perf_load.c).
  add_executable(perf_load ${PROJECT_SOURCE_DIR}/bench/perf_load.c)
  target_include_directories(perf_load PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
  target_link_libraries(perf_load PRIVATE my_timer ffirt Threads::Threads)
  set_target_properties(perf_load PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()

# A quick run as a test: not for speed (benchmarks never fail on speed) but
# because perf_e2e verifies every reply and event, in both ABIs, under
# concurrent callers with a window of 64 in flight.
if(TARGET perf_e2e AND FFIRT_BUILD_TESTS)
  add_test(NAME perf_e2e_smoke COMMAND perf_e2e 0.02)
  set_tests_properties(perf_e2e_smoke PROPERTIES TIMEOUT 120 LABELS "e2e;bench;concurrency")
endif()
