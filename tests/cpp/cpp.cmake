# The C++ binding's tests (GoogleTest): the generated my_timer.hpp and
# echo.hpp against the example libraries. One ctest entry per group of
# tests (ctest -j runs them side by side), labelled "unit" and
# "concurrency": they start threads (the runtime's and their own), so
# `make test` also runs them under ASan and TSan.
find_package(GTest)
if(NOT GTest_FOUND OR NOT TARGET my_timer OR NOT TARGET echo OR NOT TARGET kitchen_sink)
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
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_stress.cpp
  ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_kitchen.cpp)
set_target_properties(test_cpp PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON
  CXX_EXTENSIONS OFF RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(test_cpp PRIVATE -pedantic)
target_include_directories(test_cpp PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
target_link_libraries(test_cpp PRIVATE my_timer echo kitchen_sink edges ffirt GTest::gtest_main
  Threads::Threads)

foreach(group
    "calls:CppResult*:CppCalls*"
    "events:CppEvents*"
    "two_libraries:CppTwoLibraries*:CppMixedTu*:CppNamespaced*"
    "timeouts:CppTimeouts*"
    "stress:CppStress*"
    "kitchen:CppKitchen*:CppEdges*")
  string(REPLACE ":" ";" parts "${group}")
  list(POP_FRONT parts name)
  string(REPLACE ";" ":" filter "${parts}")
  add_test(NAME cpp_${name} COMMAND test_cpp --gtest_filter=${filter})
  set_tests_properties(cpp_${name} PROPERTIES LABELS "unit;concurrency" TIMEOUT 60)
endforeach()

# The C++ example host (examples/timer/cpp/) runs to its end.
if(TARGET my_timer_cpp_demo)
  add_test(NAME my_timer_cpp_demo COMMAND my_timer_cpp_demo)
  set_tests_properties(my_timer_cpp_demo PROPERTIES TIMEOUT 60 LABELS "unit;e2e;concurrency"
    PASS_REGULAR_EXPRESSION "6 event lines")
endif()

# Odd shapes (tests/gen/kitchen/shapes/*.ffi: names that are locals of
# generated code, helper names, ...): each .hpp compiles as C++20 with
# -pedantic alone and after its C header (the two ways the C layout is
# declared); the objects are never linked.
file(GLOB _cpp_shapes CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/shapes/*.ffi)
foreach(_ffi ${_cpp_shapes})
  get_filename_component(_n ${_ffi} NAME_WE)
  set(_d ${CMAKE_BINARY_DIR}/tests/cpp-shapes/${_n})
  add_custom_command(OUTPUT ${_d}/${_n}.hpp ${_d}/${_n}.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_d}
    COMMAND $<TARGET_FILE:ffirt-gen> --lang c,cpp -o ${_d} ${_ffi}
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${_d}/${_n}.hpp ${_d}/${_n}.h
    DEPENDS ${_ffi} ffirt-gen
    COMMENT "ffirt-gen --lang c,cpp shape ${_n}" VERBATIM)
  add_library(test_cpp_shape_${_n} OBJECT ${PROJECT_SOURCE_DIR}/tests/cpp/shape_alone.cpp
    ${PROJECT_SOURCE_DIR}/tests/cpp/shape_after_c.cpp ${_d}/${_n}.hpp ${_d}/${_n}.h)
  set_target_properties(test_cpp_shape_${_n} PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF)
  target_include_directories(test_cpp_shape_${_n} PRIVATE ${_d})
  target_compile_options(test_cpp_shape_${_n} PRIVATE -pedantic)
  target_compile_definitions(test_cpp_shape_${_n} PRIVATE "SHAPE_HOST=\"${_n}.h\""
    "SHAPE_HPP=\"${_n}.hpp\"")
endforeach()

# <lib>.h after <lib>.hpp: the C header refuses with a message naming the
# order that works (the compiler runs as the test; its output is matched).
add_test(NAME cpp_wrong_include_order
  COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -fsyntax-only -I${FFIRT_GENERATED_INCLUDE_DIR}
    ${PROJECT_SOURCE_DIR}/tests/cpp/wrong_include_order.cpp)
set_tests_properties(cpp_wrong_include_order PROPERTIES LABELS unit
  PASS_REGULAR_EXPRESSION "include <my_timer/my_timer.h> before <my_timer/my_timer.hpp>")

# The ABI check (tests/cpp/test_cpp_abi.cpp): against the library's own
# header, and against one generated from tests/e2e/abi_skew.ffi (one field
# more), which every constructor and static must refuse.
set(_cpp_skew ${CMAKE_BINARY_DIR}/tests/cpp-abi-skew/my_timer)
add_custom_command(OUTPUT ${_cpp_skew}/my_timer.hpp
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_cpp_skew}
  COMMAND $<TARGET_FILE:ffirt-gen> --lang cpp -o ${_cpp_skew}
    ${PROJECT_SOURCE_DIR}/tests/e2e/abi_skew.ffi
  DEPENDS ${PROJECT_SOURCE_DIR}/tests/e2e/abi_skew.ffi ffirt-gen VERBATIM)
foreach(_v abi abi_skew)
  add_executable(test_cpp_${_v} ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_abi.cpp)
  set_target_properties(test_cpp_${_v} PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(test_cpp_${_v} PRIVATE my_timer ffirt GTest::gtest_main Threads::Threads)
  add_test(NAME cpp_${_v} COMMAND test_cpp_${_v})
  set_tests_properties(cpp_${_v} PROPERTIES LABELS "unit;concurrency" TIMEOUT 60)
endforeach()
target_include_directories(test_cpp_abi PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
target_sources(test_cpp_abi_skew PRIVATE ${_cpp_skew}/my_timer.hpp)
target_compile_definitions(test_cpp_abi_skew PRIVATE CPP_ABI_SKEW)
# BEFORE: the skewed header wins over the library's own include dirs.
target_include_directories(test_cpp_abi_skew BEFORE PRIVATE ${CMAKE_BINARY_DIR}/tests/cpp-abi-skew)

# One conversion per event for all typed listeners (counts allocations, so
# an executable of its own: it replaces the global operator new).
add_executable(test_cpp_convert_once ${PROJECT_SOURCE_DIR}/tests/cpp/test_cpp_convert_once.cpp)
set_target_properties(test_cpp_convert_once PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON
  CXX_EXTENSIONS OFF RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_include_directories(test_cpp_convert_once PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
target_link_libraries(test_cpp_convert_once PRIVATE my_timer ffirt GTest::gtest_main
  Threads::Threads)
add_test(NAME cpp_convert_once COMMAND test_cpp_convert_once)
# nosan: ASan and TSan replace operator new themselves
set_tests_properties(cpp_convert_once PROPERTIES LABELS "unit;nosan" TIMEOUT 60)
