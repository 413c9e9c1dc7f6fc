# perf_cpp: the C++ binding (my_timer.hpp) against the C native host in the
# same run (see the comment at the top of perf_cpp.cpp). `make bench` runs
# it with the other build/bench/* programs; a quick run is a smoke test
# (it checks every reply), never a timed one.
if(TARGET my_timer)
  add_executable(perf_cpp ${PROJECT_SOURCE_DIR}/bench/cpp/perf_cpp.cpp)
  set_target_properties(perf_cpp PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
  target_include_directories(perf_cpp PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
  target_link_libraries(perf_cpp PRIVATE my_timer ffirt Threads::Threads)
  if(FFIRT_BUILD_TESTS)
    add_test(NAME perf_cpp_smoke COMMAND perf_cpp 0.02)
    set_tests_properties(perf_cpp_smoke PROPERTIES TIMEOUT 120 LABELS "bench;concurrency")
  endif()
endif()
