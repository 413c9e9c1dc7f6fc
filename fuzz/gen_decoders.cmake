# libFuzzer target of every generated decoder of the kitchen-sink IDL (see
# fuzz_gen_decoders.c): the glue is generated here from tests/gen/
# kitchen_sink.ffi and compiled into the fuzzer with the test handlers.
if(TARGET ffirt-gen)
  set(_ks ${CMAKE_BINARY_DIR}/fuzz-gen/kitchen_sink)
  set(_ks_files ${_ks}/kitchen_sink.h ${_ks}/kitchen_sink_cbor.h ${_ks}/kitchen_sink_ffi.h
    ${_ks}/kitchen_sink_ffi.c)
  add_custom_command(OUTPUT ${_ks_files}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_ks}
    COMMAND $<TARGET_FILE:ffirt-gen> --lang c -o ${_ks} ${PROJECT_SOURCE_DIR}/tests/gen/kitchen_sink.ffi
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${_ks_files}
    DEPENDS ${PROJECT_SOURCE_DIR}/tests/gen/kitchen_sink.ffi ffirt-gen
    COMMENT "ffirt-gen kitchen_sink for fuzz_gen_decoders" VERBATIM)
  ffirt_add_fuzz(fuzz_gen_decoders
    SOURCES ${PROJECT_SOURCE_DIR}/fuzz/fuzz_gen_decoders.c ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/kitchen.c
      ${_ks_files}
    INCLUDES ${_ks}
    CORPUS ${PROJECT_SOURCE_DIR}/fuzz/corpus/gen_decoders)
  # the glue .c is #included by the fuzzer, not compiled on its own
  set_source_files_properties(${_ks}/kitchen_sink_ffi.c PROPERTIES HEADER_FILE_ONLY ON)
endif()
