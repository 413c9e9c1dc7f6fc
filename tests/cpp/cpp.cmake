# The C++ binding's tests (GoogleTest): the generated my_timer.hpp and
# echo.hpp against the example libraries. One ctest entry per group of
# tests (ctest -j runs them side by side), labelled "unit" and
# "concurrency": they start threads (the runtime's and their own), so
# `make test` also runs them under ASan and TSan.
find_package(GTest)
if(NOT GTest_FOUND OR NOT TARGET my_timer OR NOT TARGET echo)
  message(STATUS "tests/cpp: GoogleTest or the example libraries missing; C++ binding tests not built")
  return()
endif()

add_executable(test_cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_calls.cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_events.cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_two_libraries.cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_mixed_tu.cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_namespaced.cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_timeouts.cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_stress.cpp)
set_target_properties(test_cpp PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON
  CXX_EXTENSIONS OFF RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(test_cpp PRIVATE -pedantic)
target_include_directories(test_cpp PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
target_link_libraries(test_cpp PRIVATE my_timer echo ffirt GTest::gtest_main Threads::Threads)

foreach(group
    "calls:CppResult*:CppCalls*"
    "events:CppEvents*"
    "two_libraries:CppTwoLibraries*:CppMixedTu*:CppNamespaced*"
    "timeouts:CppTimeouts*"
    "stress:CppStress*")
  string(REPLACE ":" ";" parts "${group}")
  list(POP_FRONT parts name)
  string(REPLACE ";" ":" filter "${parts}")
  add_test(NAME cpp_${name} COMMAND test_cpp --gtest_filter=${filter})
  set_tests_properties(cpp_${name} PROPERTIES LABELS "unit;concurrency" TIMEOUT 60)
endforeach()
