# Compile-and-run tests of the C emitters (tests/gen/kitchen/): the
# kitchen-sink library is generated and built like any author's library, and
# the tests drive it through its host headers only (no ffirt_static: the
# library links the shared runtime, and one process must hold one runtime).
if(NOT COMMAND ffirt_add_library OR NOT TARGET ffirt-gen)
  return()
endif()

ffirt_add_library(kitchen_sink IDL ${PROJECT_SOURCE_DIR}/tests/gen/kitchen_sink.ffi
  SOURCES ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/kitchen.c)

add_executable(test_gen_kitchen ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/test_kitchen.c)
target_link_libraries(test_gen_kitchen PRIVATE kitchen_sink PkgConfig::CMOCKA Threads::Threads)
set_target_properties(test_gen_kitchen PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME test_gen_kitchen COMMAND test_gen_kitchen)
set_tests_properties(test_gen_kitchen PROPERTIES TIMEOUT 120 LABELS "unit;concurrency")

# The typed-callback and blocking forms (<lib>_<m>_typed/_wait/_result_free)
# for every result shape.
add_executable(test_gen_kitchen_typed ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/test_kitchen_typed.c)
target_link_libraries(test_gen_kitchen_typed PRIVATE kitchen_sink PkgConfig::CMOCKA Threads::Threads)
set_target_properties(test_gen_kitchen_typed PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME test_gen_kitchen_typed COMMAND test_gen_kitchen_typed)
set_tests_properties(test_gen_kitchen_typed PROPERTIES TIMEOUT 120 LABELS "unit;concurrency")

# The host headers of two libraries in one TU, as C11 and as C++17, with
# -pedantic. my_timer's headers are generated here from tests/gen/my_timer.ffi
# (the example library target may not exist in this build).
set(_mt ${CMAKE_BINARY_DIR}/tests/gen-headers/my_timer)
add_custom_command(OUTPUT ${_mt}/my_timer.h ${_mt}/my_timer_cbor.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_mt}
  COMMAND $<TARGET_FILE:ffirt-gen> --lang c -o ${_mt} ${PROJECT_SOURCE_DIR}/tests/gen/my_timer.ffi
  COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${_mt}/my_timer.h ${_mt}/my_timer_cbor.h
  DEPENDS ${PROJECT_SOURCE_DIR}/tests/gen/my_timer.ffi ffirt-gen
  COMMENT "ffirt-gen my_timer headers for the header tests" VERBATIM)
# One target owns the generated headers, so parallel builds never run the
# generator twice on the same files.
add_custom_target(test_gen_headers_files DEPENDS ${_mt}/my_timer.h ${_mt}/my_timer_cbor.h)
add_dependencies(test_gen_headers_files kitchen_sink)
foreach(_lang c cxx)
  if(_lang STREQUAL "c")
    set(_src ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/headers_c.c)
  else()
    set(_src ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/headers_cxx.cpp)
  endif()
  add_executable(test_gen_headers_${_lang} ${_src})
  add_dependencies(test_gen_headers_${_lang} test_gen_headers_files)
  target_include_directories(test_gen_headers_${_lang} PRIVATE ${_mt}
    ${FFIRT_GENERATED_INCLUDE_DIR}/kitchen_sink ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(test_gen_headers_${_lang} PRIVATE -pedantic)
  set_target_properties(test_gen_headers_${_lang} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME test_gen_headers_${_lang} COMMAND test_gen_headers_${_lang})
  set_tests_properties(test_gen_headers_${_lang} PROPERTIES LABELS unit PASS_REGULAR_EXPRESSION "^1")
endforeach()

# The glue's deep copies and decoders under allocation failure, compiled in
# directly (static runtime, no threads).
ffirt_add_unit_test(test_gen_kitchen_oom
  SOURCES ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/test_kitchen_oom.c
    ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/kitchen.c
  INCLUDES ${FFIRT_GENERATED_INCLUDE_DIR}/kitchen_sink
  LABELS unit)
add_dependencies(test_gen_kitchen_oom kitchen_sink)

# Shapes the kitchen sink does not cover (edges.ffi), same setup.
ffirt_add_library(edges IDL ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/edges.ffi
  SOURCES ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/edges.c)
add_executable(test_gen_edges ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/test_edges.c)
target_link_libraries(test_gen_edges PRIVATE edges PkgConfig::CMOCKA Threads::Threads)
set_target_properties(test_gen_edges PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME test_gen_edges COMMAND test_gen_edges)
set_tests_properties(test_gen_edges PROPERTIES TIMEOUT 120 LABELS "unit;concurrency")

# The layout pass of the C emitters.
ffirt_add_unit_test(test_gen_tidy
  SOURCES ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/test_tidy.c
  LIBS ffirt_gen_core
  LABELS unit)

# Odd shapes (tests/gen/kitchen/shapes/*.ffi): the glue compiles as C11 and
# the headers as C++17, all with -pedantic, in this build's flags (the
# build fails on any warning); the objects are never linked or run.
file(GLOB _shapes CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/shapes/*.ffi)
foreach(_ffi ${_shapes})
  get_filename_component(_n ${_ffi} NAME_WE)
  set(_d ${CMAKE_BINARY_DIR}/tests/gen-shapes/${_n})
  set(_files ${_d}/${_n}.h ${_d}/${_n}_cbor.h ${_d}/${_n}_ffi.h ${_d}/${_n}_ffi.c)
  add_custom_command(OUTPUT ${_files}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_d}
    COMMAND $<TARGET_FILE:ffirt-gen> --lang c -o ${_d} ${_ffi}
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${_files}
    DEPENDS ${_ffi} ffirt-gen
    COMMENT "ffirt-gen shape ${_n}" VERBATIM)
  add_library(test_gen_shape_${_n} OBJECT ${_d}/${_n}_ffi.c
    ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/shapes/shape_headers.cpp ${_files})
  target_include_directories(test_gen_shape_${_n} PRIVATE ${_d} ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(test_gen_shape_${_n} PRIVATE -pedantic)
  target_compile_definitions(test_gen_shape_${_n} PRIVATE "SHAPE_HOST=\"${_n}.h\""
    "SHAPE_CBOR=\"${_n}_cbor.h\"" "SHAPE_FFI=\"${_n}_ffi.h\"")
  # and again in the GNU modes (-std=gnu11 / gnu++17), where `linux` and
  # `unix` are predefined macros: the checker keeps such names out
  add_library(test_gen_shape_${_n}_gnu OBJECT ${_d}/${_n}_ffi.c
    ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/shapes/shape_headers.cpp ${_files})
  target_include_directories(test_gen_shape_${_n}_gnu PRIVATE ${_d} ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(test_gen_shape_${_n}_gnu PRIVATE -pedantic)
  set_target_properties(test_gen_shape_${_n}_gnu PROPERTIES C_EXTENSIONS ON CXX_EXTENSIONS ON)
  target_compile_definitions(test_gen_shape_${_n}_gnu PRIVATE "SHAPE_HOST=\"${_n}.h\""
    "SHAPE_CBOR=\"${_n}_cbor.h\"" "SHAPE_FFI=\"${_n}_ffi.h\"")
endforeach()

# The glue and the CBOR host header against hostile native input (deep and
# cyclic graphs, bad UTF-8, bad enums, lengths near SIZE_MAX), compiled in.
ffirt_add_unit_test(test_gen_kitchen_limits
  SOURCES ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/test_kitchen_limits.c
    ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/kitchen.c
  INCLUDES ${FFIRT_GENERATED_INCLUDE_DIR}/kitchen_sink ${PROJECT_SOURCE_DIR}/tests/gen/kitchen
  LABELS unit)
add_dependencies(test_gen_kitchen_limits kitchen_sink)
