# The generator's front end: lexer/parser/checker unit tests, diagnostics
# files, golden files of the reference IDLs, the command line.
if(TARGET ffirt-gen)
  # Not ffirt_add_unit_test: the generator does not link the runtime, and
  # its tests should not need it either.
  foreach(t lex parse check cddl oom naming fingerprint)
    add_executable(test_gen_${t} ${CMAKE_CURRENT_LIST_DIR}/test_gen_${t}.c)
    target_link_libraries(test_gen_${t} PRIVATE ffirt_gen_core PkgConfig::CMOCKA)
    target_include_directories(test_gen_${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
    set_target_properties(test_gen_${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME test_gen_${t} COMMAND test_gen_${t})
    set_tests_properties(test_gen_${t} PROPERTIES LABELS unit TIMEOUT 60)
  endforeach()
  foreach(t check oom)
    target_compile_definitions(test_gen_${t} PRIVATE FFIRT_GEN_TESTS_DIR="${CMAKE_CURRENT_LIST_DIR}")
  endforeach()

  add_test(NAME gen_diagnostics
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/run_diag.sh $<TARGET_FILE:ffirt-gen> ${CMAKE_CURRENT_LIST_DIR}/diag)
  add_test(NAME gen_cli
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_check.sh $<TARGET_FILE:ffirt-gen> ${CMAKE_CURRENT_LIST_DIR}
            ${CMAKE_BINARY_DIR}/gen-cli)
  set_tests_properties(gen_diagnostics gen_cli PROPERTIES LABELS unit TIMEOUT 60)

  # Property test: random valid IDL files (fixed seeds) generate code that
  # compiles as C11 and C++17.
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_FOUND)
    add_test(NAME gen_random_idl_compiles
      COMMAND ${CMAKE_COMMAND} -E env CC=${CMAKE_C_COMPILER} CXX=${CMAKE_CXX_COMPILER}
              ${CMAKE_CURRENT_LIST_DIR}/random_idl_check.sh $<TARGET_FILE:ffirt-gen>
              ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR}/gen-random 1 30)
    set_tests_properties(gen_random_idl_compiles PROPERTIES LABELS unit TIMEOUT 300)
  endif()

  foreach(name my_timer kitchen_sink)
    add_test(NAME gen_golden_${name}
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/golden_check.sh $<TARGET_FILE:ffirt-gen> ${PROJECT_SOURCE_DIR}
              tests/gen/${name}.ffi ${PROJECT_SOURCE_DIR}/tests/golden/${name}
              ${CMAKE_BINARY_DIR}/golden/${name})
    set_tests_properties(gen_golden_${name} PROPERTIES LABELS unit TIMEOUT 60)
  endforeach()
endif()
