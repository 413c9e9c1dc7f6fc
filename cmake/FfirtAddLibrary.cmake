# ffirt_add_library(NAME IDL file.ffi SOURCES impl.c ... [LIBS lib ...] [NO_INSTALL])
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
#  - the Python package build/python/<NAME>/ (ffirt-gen --lang python; it
#    finds lib<NAME>.so in build/lib/), and an install rule putting the
#    package, with the .so next to it, in FFIRT_INSTALL_PYTHONDIR (default:
#    lib/python3.X/dist-packages under the prefix; none with NO_INSTALL).
# Works in this source tree (target ffirt-gen) and from an installed package
# (find_package(ffirt) provides ffirt::ffirt-gen).
function(ffirt_add_library NAME)
  cmake_parse_arguments(A "NO_INSTALL" "IDL" "SOURCES;LIBS" ${ARGN})
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

  # --- python binding: build/python/<NAME>/, a pure-Python (ctypes) package.
  # In the build tree it loads ../../lib/lib<NAME>.so; installed, the .so
  # sits in the package directory.
  set(pyout "${CMAKE_BINARY_DIR}/python")
  set(pyfiles "${pyout}/${NAME}/__init__.py" "${pyout}/${NAME}/_runtime.py"
    "${pyout}/${NAME}/py.typed")
  add_custom_command(OUTPUT ${pyfiles}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${pyout}"
    COMMAND $<TARGET_FILE:${gen_target}> --lang python -o "${pyout}" "${idl}"
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${pyfiles}
    DEPENDS "${idl}" ${gen_target}
    COMMENT "ffirt-gen --lang python ${NAME}"
    VERBATIM)
  add_custom_target(${NAME}_python ALL DEPENDS ${pyfiles})
  add_dependencies(${NAME} ${NAME}_python)
  if(NOT A_NO_INSTALL)
    if(NOT DEFINED FFIRT_INSTALL_PYTHONDIR)
      find_package(Python3 QUIET COMPONENTS Interpreter)
      set(pyver 3)
      if(Python3_FOUND)
        set(pyver "${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}")
      endif()
      set(FFIRT_INSTALL_PYTHONDIR "lib/python${pyver}/dist-packages" CACHE PATH
        "where `make install` puts the Python packages of ffirt libraries (on sys.path)")
    endif()
    install(FILES ${pyfiles} DESTINATION "${FFIRT_INSTALL_PYTHONDIR}/${NAME}")
    install(TARGETS ${NAME} LIBRARY DESTINATION "${FFIRT_INSTALL_PYTHONDIR}/${NAME}")
    if(NOT IS_ABSOLUTE "${FFIRT_INSTALL_PYTHONDIR}")
      # the installed .so finds libffirt.so in <prefix>/<libdir> relative to itself
      file(RELATIVE_PATH rel "/${FFIRT_INSTALL_PYTHONDIR}/${NAME}" "/${CMAKE_INSTALL_LIBDIR}")
      set_target_properties(${NAME} PROPERTIES INSTALL_RPATH "$ORIGIN/${rel}")
    endif()
  endif()
endfunction()
