# ffirt_add_library(NAME IDL file.ffi SOURCES impl.c ... [LIBS lib ...])
#
# Builds lib<NAME>.so from an IDL file and the author's C sources:
#  - runs ffirt-gen at build time (again whenever the IDL or ffirt-gen
#    changes) into ${FFIRT_GENERATED_INCLUDE_DIR}/<NAME>/ (build/include/<NAME>/
#    in this project): <NAME>.h, <NAME>_cbor.h, <NAME>_ffi.h, <NAME>_ffi.c,
#    <NAME>.cddl. The IDL's `library` name must be NAME.
#  - compiles the glue <NAME>_ffi.c with SOURCES into a SHARED library in
#    build/lib/, linked to the shared runtime (ffirt::ffirt), exporting only
#    the <NAME>_ symbols (version script).
#  - PUBLIC include dirs: the generated dir's parent (#include <NAME/NAME.h>)
#    and the dir itself (#include "NAME.h").
# Works in this source tree (target ffirt-gen) and from an installed package
# (find_package(ffirt) provides ffirt::ffirt-gen).
function(ffirt_add_library NAME)
  cmake_parse_arguments(A "" "IDL" "SOURCES;LIBS" ${ARGN})
  if(NOT A_IDL)
    message(FATAL_ERROR "ffirt_add_library(${NAME}): IDL file.ffi is required")
  endif()
  get_filename_component(idl "${A_IDL}" ABSOLUTE)
  if(TARGET ffirt-gen)
    set(gen_target ffirt-gen)
  elseif(TARGET ffirt::ffirt-gen)
    set(gen_target ffirt::ffirt-gen)
  else()
    message(FATAL_ERROR "ffirt_add_library(${NAME}): no ffirt-gen target (build ffirt or find_package(ffirt))")
  endif()
  if(DEFINED FFIRT_GENERATED_INCLUDE_DIR)
    set(base "${FFIRT_GENERATED_INCLUDE_DIR}")
  else()
    set(base "${CMAKE_BINARY_DIR}/include")
  endif()
  set(out "${base}/${NAME}")
  set(files "${out}/${NAME}.h" "${out}/${NAME}_cbor.h" "${out}/${NAME}_ffi.h"
    "${out}/${NAME}_ffi.c" "${out}/${NAME}.cddl")
  # ffirt-gen rewrites only files whose content changed; the touch keeps
  # make from re-running the command when nothing did.
  add_custom_command(OUTPUT ${files}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out}"
    COMMAND $<TARGET_FILE:${gen_target}> -o "${out}" "${idl}"
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${files}
    DEPENDS "${idl}" ${gen_target}
    COMMENT "ffirt-gen ${NAME} from ${A_IDL}"
    VERBATIM)

  set(map "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.map")
  file(WRITE "${map}.in" "/* Exports of lib${NAME}.so: the ${NAME}_ prefix only. */\n{\n  global:\n    ${NAME}_*;\n  local:\n    *;\n};\n")
  configure_file("${map}.in" "${map}" COPYONLY)

  add_library(${NAME} SHARED ${A_SOURCES} "${out}/${NAME}_ffi.c")
  target_include_directories(${NAME} PUBLIC $<BUILD_INTERFACE:${base}> $<BUILD_INTERFACE:${out}>)
  target_link_libraries(${NAME} PUBLIC ffirt::ffirt ${A_LIBS})
  target_link_options(${NAME} PRIVATE "-Wl,--version-script=${map}")
  set_target_properties(${NAME} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib"
    LINK_DEPENDS "${map}")

  # ---- begin remote (issue 15, docs/remote.md) --------------------------
  # lib<NAME>_remote.so: the same exports as lib<NAME>.so, over NATS. Built
  # when the remote layer is (libnats found, src/remote/remote.cmake).
  if(TARGET ffirt_remote_client)
    set(remote_src "${out}/${NAME}_remote.c")
    add_custom_command(OUTPUT "${remote_src}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${out}"
      COMMAND $<TARGET_FILE:${gen_target}> --lang remote -o "${out}" "${idl}"
      COMMAND ${CMAKE_COMMAND} -E touch_nocreate "${remote_src}"
      DEPENDS "${idl}" ${gen_target}
      COMMENT "ffirt-gen ${NAME}_remote.c from ${A_IDL}"
      VERBATIM)
    add_library(${NAME}_remote SHARED "${remote_src}" "${out}/${NAME}.h" "${out}/${NAME}_cbor.h")
    target_include_directories(${NAME}_remote PRIVATE "${base}" "${out}")
    target_link_libraries(${NAME}_remote PRIVATE ffirt_remote_client)
    target_link_options(${NAME}_remote PRIVATE "-Wl,--version-script=${map}")
    set_target_properties(${NAME}_remote PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib"
      LINK_DEPENDS "${map}")
  endif()
  # ---- end remote --------------------------------------------------------
endfunction()
