# End-to-end tests of the example libraries (examples/), against the built
# lib*.so files through the generated host headers. Every one of them runs
# the libraries' worker and event threads, so all carry "concurrency" (they
# also run under ThreadSanitizer in `make test`).
if(NOT TARGET my_timer OR NOT TARGET echo OR NOT TARGET my_timer_demo)
  return()
endif()

# ffirt__e2e_test(NAME SOURCES ... [LABELS ...] [TIMEOUT s])
# Unlike ffirt_add_unit_test it links the shared runtime (the one the
# libraries use), never the static one: a second copy of the runtime in the
# process would split its global state.
function(ffirt__e2e_test NAME)
  cmake_parse_arguments(E "" "TIMEOUT" "SOURCES;LABELS" ${ARGN})
  add_executable(${NAME} ${E_SOURCES} ${PROJECT_SOURCE_DIR}/tests/e2e/e2e_wait.c)
  target_include_directories(${NAME} PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR}
    ${PROJECT_SOURCE_DIR}/tests/e2e)
  target_link_libraries(${NAME} PRIVATE my_timer echo ffirt PkgConfig::CMOCKA Threads::Threads
    ${CMAKE_DL_LIBS})
  set_target_properties(${NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${NAME} COMMAND ${NAME})
  if(NOT E_TIMEOUT)
    set(E_TIMEOUT 120)
  endif()
  set_tests_properties(${NAME} PROPERTIES TIMEOUT ${E_TIMEOUT}
    LABELS "e2e;concurrency;${E_LABELS}")
endfunction()

set(_e2e ${PROJECT_SOURCE_DIR}/tests/e2e)
ffirt__e2e_test(test_e2e_timer SOURCES ${_e2e}/test_e2e_timer.c)
foreach(_t test_e2e_two_libraries test_e2e_events test_e2e_stress test_e2e_cbor_host
    test_e2e_cbor_alloc test_e2e_typed test_e2e_nimffi)
  if(EXISTS ${_e2e}/${_t}.c)
    ffirt__e2e_test(${_t} SOURCES ${_e2e}/${_t}.c)
  endif()
endforeach()

# The demo's output is part of the contract of `make demo`: diff it.
add_test(NAME e2e_demo_output
  COMMAND sh ${_e2e}/demo_diff.sh $<TARGET_FILE:my_timer_demo> ${_e2e}/demo.expected)
set_tests_properties(e2e_demo_output PROPERTIES TIMEOUT 120 LABELS "e2e;concurrency"
 )

# The ABI fingerprint check: the library's own headers pass; headers
# generated from a changed IDL (abi_skew.ffi, same library name) fail it.
set(_skew ${CMAKE_BINARY_DIR}/e2e_abi_skew/my_timer)
add_custom_command(OUTPUT ${_skew}/my_timer.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_skew}
  COMMAND $<TARGET_FILE:ffirt-gen> -o ${_skew} ${_e2e}/abi_skew.ffi
  DEPENDS ${_e2e}/abi_skew.ffi ffirt-gen VERBATIM)
foreach(_v abi abi_skew)
  add_executable(test_e2e_${_v} ${_e2e}/test_e2e_abi.c)
  target_link_libraries(test_e2e_${_v} PRIVATE my_timer ffirt)
  set_target_properties(test_e2e_${_v} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME test_e2e_${_v} COMMAND test_e2e_${_v})
  set_tests_properties(test_e2e_${_v} PROPERTIES TIMEOUT 60 LABELS "e2e")
endforeach()
target_sources(test_e2e_abi_skew PRIVATE ${_skew}/my_timer.h)
target_compile_definitions(test_e2e_abi_skew PRIVATE E2E_ABI_SKEW)
# BEFORE: the skewed headers win over the library's own include dirs.
target_include_directories(test_e2e_abi_skew BEFORE PRIVATE ${CMAKE_BINARY_DIR}/e2e_abi_skew)
target_include_directories(test_e2e_abi PRIVATE ${FFIRT_GENERATED_INCLUDE_DIR})
