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
