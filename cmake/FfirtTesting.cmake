# Helpers shared by every test/bench/fuzz fragment.
#
# Labels: every test gets "unit" or its own area label; tests that exercise
# threads also get "concurrency" and are the ones run under ThreadSanitizer.
# "nosan" keeps a test out of sanitizer builds (e.g. Python via ctypes).
find_package(PkgConfig REQUIRED)
pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)

# ffirt_add_unit_test(NAME SOURCES a.c ... [LIBS x ...] [LABELS l ...] [TIMEOUT s])
# Links the static runtime (internal ffirt__ symbols visible) and cmocka.
function(ffirt_add_unit_test NAME)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;INCLUDES" ${ARGN})
  add_executable(${NAME} ${T_SOURCES})
  target_link_libraries(${NAME} PRIVATE ffirt_static PkgConfig::CMOCKA ${T_LIBS})
  target_include_directories(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests ${T_INCLUDES})
  set_target_properties(${NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${NAME} COMMAND ${NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()

# ffirt_add_bench(NAME SOURCES ... [LIBS ...]): a program printing a table; never a test.
function(ffirt_add_bench NAME)
  cmake_parse_arguments(B "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  add_executable(${NAME} ${B_SOURCES})
  target_link_libraries(${NAME} PRIVATE ffirt_static ${B_LIBS})
  target_include_directories(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${B_INCLUDES})
  set_target_properties(${NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endfunction()

# ffirt_add_fuzz(NAME SOURCES ... [CORPUS dir] [LIBS ...]): a libFuzzer target;
# scripts/test.sh runs every target listed in build-fuzz/fuzz_targets.txt.
set_property(GLOBAL PROPERTY FFIRT_FUZZ_TARGETS "")
function(ffirt_add_fuzz NAME)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS;INCLUDES" ${ARGN})
  add_executable(${NAME} ${F_SOURCES})
  target_link_libraries(${NAME} PRIVATE ffirt_static ${F_LIBS})
  target_include_directories(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${F_INCLUDES})
  target_link_options(${NAME} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  file(APPEND ${CMAKE_BINARY_DIR}/fuzz_targets.txt.tmp "${NAME} ${F_CORPUS}\n")
endfunction()
file(REMOVE ${CMAKE_BINARY_DIR}/fuzz_targets.txt.tmp)
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL ffirt__finish_fuzz_list)
function(ffirt__finish_fuzz_list)
  if(EXISTS ${CMAKE_BINARY_DIR}/fuzz_targets.txt.tmp)
    file(RENAME ${CMAKE_BINARY_DIR}/fuzz_targets.txt.tmp ${CMAKE_BINARY_DIR}/fuzz_targets.txt)
  endif()
endfunction()
