# Tests of the event registry, delivery thread and liveness (src/events).
# Every one of them starts an event thread, so all carry "concurrency" and
# are rerun under ThreadSanitizer.
set(_u ${PROJECT_SOURCE_DIR}/tests/unit)
foreach(_t registry delivery queue liveness model stress lifetime)
  if(EXISTS ${_u}/test_events_${_t}.c)
    ffirt_add_unit_test(test_events_${_t}
      SOURCES ${_u}/test_events_${_t}.c ${_u}/fault_alloc.c
      LABELS unit concurrency)
  endif()
endforeach()
