# libFuzzer target of the IDL front end (lexer, parser, checker), seeded with
# every .ffi file of the generator tests (the reference IDLs and the broken
# files of tests/gen/diag), copied into one corpus directory at configure time.
if(TARGET ffirt_gen_core)
  set(_idl_corpus ${CMAKE_BINARY_DIR}/fuzz-seed-idl)
  file(GLOB _idl_seeds ${PROJECT_SOURCE_DIR}/tests/gen/*.ffi ${PROJECT_SOURCE_DIR}/tests/gen/diag/*.ffi)
  file(MAKE_DIRECTORY ${_idl_corpus})
  file(COPY ${_idl_seeds} DESTINATION ${_idl_corpus})
  ffirt_add_fuzz(fuzz_idl
    SOURCES ${PROJECT_SOURCE_DIR}/fuzz/fuzz_idl.c
    LIBS ffirt_gen_core
    CORPUS ${_idl_corpus})
endif()
