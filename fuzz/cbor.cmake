# libFuzzer target of the CBOR decoder (see fuzz_cbor_decode.c), seeded with
# RFC 8949 Appendix A examples, the event envelope and malformed samples.
ffirt_add_fuzz(fuzz_cbor_decode
  SOURCES ${PROJECT_SOURCE_DIR}/fuzz/fuzz_cbor_decode.c ${PROJECT_SOURCE_DIR}/tests/unit/cbor_reencode.c
  INCLUDES ${PROJECT_SOURCE_DIR}/tests
  CORPUS ${PROJECT_SOURCE_DIR}/fuzz/corpus/cbor)
