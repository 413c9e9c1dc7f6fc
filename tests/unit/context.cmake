# Tests of the context runtime (src/context): handles, the request queue,
# lifecycle, calls, races and fault injection. Everything that starts a
# context starts threads, so those carry "concurrency" (rerun under TSan).
set(_u ${PROJECT_SOURCE_DIR}/tests/unit)
ffirt_add_unit_test(test_handle SOURCES ${_u}/test_handle.c LABELS unit)
ffirt_add_unit_test(test_queue SOURCES ${_u}/test_queue.c LABELS unit concurrency)
ffirt_add_unit_test(test_spin SOURCES ${_u}/test_spin.c LABELS unit)
foreach(_t lifecycle calls race fault liveness events idle load timer)
  if(EXISTS ${_u}/test_ctx_${_t}.c)
    ffirt_add_unit_test(test_ctx_${_t}
      SOURCES ${_u}/test_ctx_${_t}.c ${_u}/fault_alloc.c
      LABELS unit concurrency TIMEOUT 300)
  endif()
endforeach()
