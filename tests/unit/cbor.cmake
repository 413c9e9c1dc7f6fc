# Tests of the CBOR codec (src/cbor) and of src/common.
set(_u ${PROJECT_SOURCE_DIR}/tests/unit)
ffirt_add_unit_test(test_cbor_rfc8949 SOURCES ${_u}/test_cbor_rfc8949.c ${_u}/cbor_reencode.c LABELS unit)
ffirt_add_unit_test(test_cbor_dec SOURCES ${_u}/test_cbor_dec.c ${_u}/fault_alloc.c LABELS unit)
ffirt_add_unit_test(test_cbor_enc SOURCES ${_u}/test_cbor_enc.c ${_u}/fault_alloc.c LABELS unit)
ffirt_add_unit_test(test_cbor_read SOURCES ${_u}/test_cbor_read.c ${_u}/fault_alloc.c LABELS unit)
ffirt_add_unit_test(test_cbor_utf8 SOURCES ${_u}/test_cbor_utf8.c LABELS unit)
ffirt_add_unit_test(test_cbor_diag SOURCES ${_u}/test_cbor_diag.c ${_u}/fault_alloc.c LABELS unit)
ffirt_add_unit_test(test_common SOURCES ${_u}/test_common.c ${_u}/fault_alloc.c LABELS unit)
# Cross-check against libcbor (libcbor-dev), both directions.
pkg_check_modules(LIBCBOR IMPORTED_TARGET libcbor)
if(LIBCBOR_FOUND)
  ffirt_add_unit_test(test_cbor_libcbor SOURCES ${_u}/test_cbor_libcbor.c ${_u}/cbor_random.c
    LIBS PkgConfig::LIBCBOR LABELS unit)
endif()
