# perf_e2e: the example library's full round trip in both ABIs (see the
# comment at the top of perf_e2e.c). Built when the examples are; `make bench`
# runs it with the other build/bench/* programs.
if(TARGET my_timer)
  add_executable(perf_e2e ${PROJECT_SOURCE_DIR}/bench/perf_e2e.c)
  target_include_directories(perf_e2e PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
  # The shared runtime, like the library: one copy of the runtime per process.
  target_link_libraries(perf_e2e PRIVATE my_timer ffirt Threads::Threads)
  set_target_properties(perf_e2e PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
