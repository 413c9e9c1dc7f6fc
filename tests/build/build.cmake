# The install rules, the exported CMake package and the pkg-config file work
# for a downstream project (from the prefix and from the build tree).
add_test(NAME install_find_package_and_pkg_config
  COMMAND ${PROJECT_SOURCE_DIR}/tests/build/install_test.sh ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR} ${PROJECT_VERSION})
set_tests_properties(install_find_package_and_pkg_config PROPERTIES LABELS "unit;nosan" TIMEOUT 300)

# A generated library exports its ABI only (version script from ffirt-gen).
if(TARGET my_timer)
  add_test(NAME exports_my_timer
    COMMAND ${PROJECT_SOURCE_DIR}/tests/build/exports_check.sh $<TARGET_FILE:my_timer>
      ${PROJECT_SOURCE_DIR}/tests/build/my_timer.exports)
  set_tests_properties(exports_my_timer PROPERTIES LABELS "unit;nosan" TIMEOUT 60)
endif()

# A generated library installs (ffirt_add_library ... INSTALL) and a host
# finds it with find_package(my_timer) or pkg-config my_timer.
if(TARGET my_timer)
  add_test(NAME install_generated_library
    COMMAND ${PROJECT_SOURCE_DIR}/tests/build/lib_install_test.sh ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR})
  set_tests_properties(install_generated_library PROPERTIES LABELS "unit;nosan" TIMEOUT 300)
endif()
