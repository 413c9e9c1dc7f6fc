# Cross-check of the CBOR codec against cbor2 (python3-cbor2) via pytest
# under the system Python (where Debian's packages live). The helper program
# is the bridge: pytest runs it through subprocess. Label "nosan": it runs
# in the plain build only.
add_executable(cbor_helper
  ${PROJECT_SOURCE_DIR}/tests/python/cbor_helper.c
  ${PROJECT_SOURCE_DIR}/tests/unit/cbor_random.c
  ${PROJECT_SOURCE_DIR}/tests/unit/cbor_reencode.c)
target_link_libraries(cbor_helper PRIVATE ffirt_static)
target_include_directories(cbor_helper PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
set_target_properties(cbor_helper PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME python_cbor2
  COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${PROJECT_SOURCE_DIR}/tests/python/test_cbor2.py)
set_tests_properties(python_cbor2 PROPERTIES
  ENVIRONMENT "FFIRT_CBOR_HELPER=$<TARGET_FILE:cbor_helper>"
  LABELS "nosan;unit" TIMEOUT 300)

# The generated Python binding (ffirt-gen --lang python) against the example
# libraries, kitchen_sink and edges (every IDL type and shape): the packages in build/python/, loading their
# .so from build/lib/. "nosan": ctypes cannot load ASan-built libraries.
if(TARGET my_timer AND TARGET echo AND TARGET kitchen_sink AND TARGET edges)
  add_test(NAME python_binding
    COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider
            ${PROJECT_SOURCE_DIR}/tests/python/test_my_timer.py
            ${PROJECT_SOURCE_DIR}/tests/python/test_kitchen_sink.py
            ${PROJECT_SOURCE_DIR}/tests/python/test_edges.py)
  set_tests_properties(python_binding PROPERTIES
    ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;PYTHONDONTWRITEBYTECODE=1;FFIRT_GEN=$<TARGET_FILE:ffirt-gen>"
    LABELS "nosan;unit" TIMEOUT 120)
endif()

# The Python example host (examples/timer/python/demo.py) runs, so it can't rot
# (any failed call raises, so the exit status tells).
if(TARGET my_timer)
  add_test(NAME example_timer_python
    COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/examples/timer/python/demo.py)
  set_tests_properties(example_timer_python PROPERTIES
    ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;PYTHONDONTWRITEBYTECODE=1"
    LABELS "nosan;unit" TIMEOUT 60)
endif()
