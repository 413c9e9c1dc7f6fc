# CBOR codec benchmark against libcbor (needs libcbor-dev; skipped without).
pkg_check_modules(LIBCBOR IMPORTED_TARGET libcbor)
if(LIBCBOR_FOUND)
  ffirt_add_bench(bench_cbor SOURCES ${PROJECT_SOURCE_DIR}/bench/bench_cbor.c LIBS PkgConfig::LIBCBOR)
endif()
