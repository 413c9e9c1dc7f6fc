# ffirt-cbor-demo (build/bin): the codec demo that `make demo` runs until the
# example libraries exist. Also registered as a test so it cannot rot.
add_executable(ffirt-cbor-demo ${PROJECT_SOURCE_DIR}/tools/cbor_demo.c)
target_link_libraries(ffirt-cbor-demo PRIVATE ffirt_static)
if(FFIRT_BUILD_TESTS)
  add_test(NAME cbor_demo COMMAND ffirt-cbor-demo)
  set_tests_properties(cbor_demo PROPERTIES LABELS unit TIMEOUT 30)
endif()
