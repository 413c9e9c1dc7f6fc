# ffirt_add_library(NAME IDL file.ffi SOURCES impl.c ... [LIBS lib ...]
#                   [INSTALL [VERSION x.y.z] [COMPONENT c] [EXCLUDE_FROM_ALL]])
#
# Builds lib<NAME>.so from an IDL file and the author's C sources:
#  - runs ffirt-gen at build time (again whenever the IDL or ffirt-gen
#    changes) into ${FFIRT_GENERATED_INCLUDE_DIR}/<NAME>/ (build/include/<NAME>/
#    in this project): <NAME>.h, <NAME>_cbor.h, <NAME>_ffi.h, <NAME>_ffi.c,
#    <NAME>.cddl, <NAME>.map, and the C++20 binding <NAME>.hpp
#    (docs/guide-cpp.md). The IDL's `library` name must be NAME.
#  - compiles the glue <NAME>_ffi.c with SOURCES into a SHARED library in
#    build/lib/, linked to the shared runtime (ffirt::ffirt), exporting only
#    its ABI: the exports of docs/abi.md 2, <NAME>_abi_fingerprint and
#    <NAME>_ffirt_* (the version script <NAME>.map that ffirt-gen writes).
#  - PUBLIC include dirs: the generated dir's parent (#include <NAME/NAME.h>)
#    and the dir itself (#include "NAME.h").
#  - the host bindings, one block per language below (# --- <lang> binding).
#  - the Python package build/python/<NAME>/ (ffirt-gen --lang python; it
#    loads lib<NAME>.so from build/lib/); with INSTALL also the package, with
#    a copy of lib<NAME>.so next to it, in FFIRT_INSTALL_PYTHONDIR (default
#    lib/python3.X/dist-packages under the prefix: on sys.path in Debian).
#  - the Rust crate <NAME> in ${FFIRT_RUST_DIR}/<NAME>/ (build/rust/<NAME>/ in
#    this project; target <NAME>_rust), whose build.rs links lib<NAME>.so
#    from the directory it is built into here.
#  - lib<NAME>_remote.so (target <NAME>_remote, docs/remote.md) when the
#    remote layer exists: libnats found here, or an installed package found
#    with its `remote` component (ffirt::ffirt_remote_client).
#  - INSTALL: `cmake --install` puts, under the prefix, lib<NAME>.so (and
#    lib<NAME>_remote.so, target <NAME>::<NAME>_remote) in the
#    libdir; <NAME>.h, <NAME>_cbor.h and any other generated host header
#    (*.h but the author's <NAME>_ffi.h, *.hpp) in include/<NAME>/
#    (not the sources <NAME>_ffi.c, <NAME>_remote.c nor <NAME>.map);
#    <NAME>.cddl in share/<NAME>/; every other generated output (binding
#    files and directories, e.g. python/, rust/) in share/<NAME>/bindings/,
#    the Go module in share/<NAME>/bindings/go/<pkg>/ (cgo flags pointing
#    at the installed library); a pkg-config file (<NAME>.pc, which requires
#    ffirt's) and a CMake package (find_package(<NAME>) -> target
#    <NAME>::<NAME>, which finds ffirt). VERSION (default: the project's, or
#    0) is the package version; the rules belong to COMPONENT (default NAME);
#    EXCLUDE_FROM_ALL leaves them out of a plain `cmake --install` (then
#    `cmake --install build --component NAME`).
# Works in this source tree (target ffirt-gen) and from an installed package
# (find_package(ffirt) provides ffirt::ffirt-gen).
function(ffirt_add_library NAME)
  cmake_parse_arguments(A "INSTALL;EXCLUDE_FROM_ALL" "IDL;VERSION;COMPONENT" "SOURCES;LIBS"
    ${ARGN})
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
    "${out}/${NAME}_ffi.c" "${out}/${NAME}.cddl" "${out}/${NAME}.map")
  # ffirt-gen rewrites only files whose content changed; the touch keeps
  # make from re-running the command when nothing did.
  add_custom_command(OUTPUT ${files}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out}"
    COMMAND $<TARGET_FILE:${gen_target}> -o "${out}" "${idl}"
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${files}
    DEPENDS "${idl}" ${gen_target}
    COMMENT "ffirt-gen ${NAME} from ${A_IDL}"
    VERBATIM)

  # --- rust binding: a Cargo crate per library (docs/guide-rust.md)
  if(DEFINED FFIRT_RUST_DIR)
    set(rust_out "${FFIRT_RUST_DIR}/${NAME}")
  else()
    set(rust_out "${CMAKE_BINARY_DIR}/rust/${NAME}")
  endif()
  set(rust_files "${rust_out}/Cargo.toml" "${rust_out}/build.rs" "${rust_out}/src/lib.rs"
    "${rust_out}/src/ffi.rs" "${rust_out}/src/wire.rs" "${rust_out}/src/rt.rs"
    "${rust_out}/src/cbor.rs")
  add_custom_command(OUTPUT ${rust_files}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${rust_out}"
    COMMAND $<TARGET_FILE:${gen_target}> --lang rust --lib-dir "${CMAKE_BINARY_DIR}/lib"
      -o "${rust_out}" "${idl}"
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${rust_files}
    DEPENDS "${idl}" ${gen_target}
    COMMENT "ffirt-gen --lang rust ${NAME}"
    VERBATIM)
  add_custom_target(${NAME}_rust ALL DEPENDS ${rust_files})
  # --- end rust binding

  # The version script ffirt-gen writes from the IDL: the library's ABI only.
  set(map "${out}/${NAME}.map")

  # --- cpp binding: <NAME>.hpp next to the C headers (header-only; listed
  # among the library's sources so that building the library writes it).
  add_custom_command(OUTPUT "${out}/${NAME}.hpp"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out}"
    COMMAND $<TARGET_FILE:${gen_target}> --lang cpp -o "${out}" "${idl}"
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate "${out}/${NAME}.hpp"
    DEPENDS "${idl}" ${gen_target}
    COMMENT "ffirt-gen --lang cpp ${NAME} from ${A_IDL}"
    VERBATIM)
  # --- end cpp binding

  add_library(${NAME} SHARED ${A_SOURCES} "${out}/${NAME}_ffi.c" "${out}/${NAME}.hpp")
  include(GNUInstallDirs)
  target_include_directories(${NAME} PUBLIC $<BUILD_INTERFACE:${base}> $<BUILD_INTERFACE:${out}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/${NAME}>)
  target_link_libraries(${NAME} PUBLIC ffirt::ffirt ${A_LIBS})
  target_link_options(${NAME} PRIVATE "-Wl,--version-script=${map}")
  set_target_properties(${NAME} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib"
    LINK_DEPENDS "${map}")

  # ---- begin remote (issue 15, docs/remote.md) --------------------------
  # lib<NAME>_remote.so: the same exports as lib<NAME>.so, over NATS. Built
  # when the remote layer is (libnats found: src/remote/remote.cmake here,
  # ffirt::ffirt_remote_client from an installed package).
  set(remote_client "")
  if(TARGET ffirt_remote_client)
    set(remote_client ffirt_remote_client)
  elseif(TARGET ffirt::ffirt_remote_client)
    set(remote_client ffirt::ffirt_remote_client)
  endif()
  if(remote_client)
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
    target_link_libraries(${NAME}_remote PRIVATE ${remote_client})
    target_link_options(${NAME}_remote PRIVATE "-Wl,--version-script=${map}")
    set_target_properties(${NAME}_remote PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib"
      LINK_DEPENDS "${map}")
  endif()
  # ---- end remote --------------------------------------------------------

  # --- go binding
  # The Go module <pkg> (the name without underscores: my_timer -> mytimer)
  # in build/go/<pkg>/: go.mod, <NAME>.go, <NAME>_cgo.go and a copy of
  # <NAME>.h from `ffirt-gen --lang go`, plus cgo_flags.go written here with
  # the -L and rpath of this build tree's library directory. CGO_LDFLAGS
  # comes first on the link line, so it overrides them. Programs use it with
  # `require <pkg> v0.0.0` and `replace <pkg> => <this directory>`.
  string(REPLACE "_" "" go_pkg "${NAME}")
  string(TOLOWER "${go_pkg}" go_pkg)
  if(DEFINED FFIRT_GO_OUTPUT_DIR)
    set(go_out "${FFIRT_GO_OUTPUT_DIR}/${go_pkg}")
  else()
    set(go_out "${CMAKE_BINARY_DIR}/go/${go_pkg}")
  endif()
  set(go_files "${go_out}/go.mod" "${go_out}/${NAME}.go" "${go_out}/${NAME}_cgo.go"
    "${go_out}/${NAME}.h")
  add_custom_command(OUTPUT ${go_files}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${go_out}"
    COMMAND $<TARGET_FILE:${gen_target}> --lang go -o "${go_out}" "${idl}"
    COMMAND ${CMAKE_COMMAND} -E touch_nocreate ${go_files}
    DEPENDS "${idl}" ${gen_target}
    COMMENT "ffirt-gen --lang go ${NAME} -> go/${go_pkg}"
    VERBATIM)
  set(go_libdir "${CMAKE_BINARY_DIR}/lib")
  file(GENERATE OUTPUT "${go_out}/cgo_flags.go" CONTENT
"// Written by ffirt_add_library(): where this build tree keeps lib${NAME}.so.
// CGO_LDFLAGS comes first on the link line, so it overrides these.

package ${go_pkg}

// #cgo LDFLAGS: -L${go_libdir} -Wl,-rpath,${go_libdir}
import \"C\"
")
  add_custom_target(${NAME}_go ALL DEPENDS ${go_files})
  set_target_properties(${NAME} PROPERTIES FFIRT_GO_DIR "${go_out}")

  if(A_INSTALL)
    ffirt__install_library(${NAME} "${out}" "${go_out}" "${go_pkg}" "${A_VERSION}"
      "${A_COMPONENT}" "${A_EXCLUDE_FROM_ALL}")
  endif()

  # --- python binding: build/python/<NAME>/, a pure-Python (ctypes) package.
  # In the build tree it loads ../../lib/lib<NAME>.so; installed, a copy of
  # the .so sits in the package directory (after the INSTALL rules above,
  # whose INSTALL_RPATH it extends).
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
  if(A_INSTALL)
    if(NOT DEFINED FFIRT_INSTALL_PYTHONDIR)
      find_package(Python3 QUIET COMPONENTS Interpreter)
      set(pyver 3)
      if(Python3_FOUND)
        set(pyver "${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}")
      endif()
      set(FFIRT_INSTALL_PYTHONDIR "lib/python${pyver}/dist-packages" CACHE PATH
        "where `cmake --install` puts the Python packages of ffirt libraries (on sys.path)")
    endif()
    set(pycomp ${A_COMPONENT})
    if(NOT pycomp)
      set(pycomp ${NAME})
    endif()
    set(pyex "")
    if(A_EXCLUDE_FROM_ALL)
      set(pyex EXCLUDE_FROM_ALL)
    endif()
    install(FILES ${pyfiles} DESTINATION "${FFIRT_INSTALL_PYTHONDIR}/${NAME}"
      COMPONENT ${pycomp} ${pyex})
    install(TARGETS ${NAME} LIBRARY DESTINATION "${FFIRT_INSTALL_PYTHONDIR}/${NAME}"
      COMPONENT ${pycomp} ${pyex})
    if(NOT IS_ABSOLUTE "${FFIRT_INSTALL_PYTHONDIR}")
      # that copy finds libffirt.so in <prefix>/<libdir>, relative to itself
      file(RELATIVE_PATH rel "/${FFIRT_INSTALL_PYTHONDIR}/${NAME}" "/${CMAKE_INSTALL_LIBDIR}")
      set_property(TARGET ${NAME} APPEND PROPERTY INSTALL_RPATH "$ORIGIN/${rel}")
    endif()
  endif()
  # --- end python binding
endfunction()

# The install rules of ffirt_add_library(... INSTALL).
function(ffirt__install_library NAME out go_out go_pkg version component exclude)
  include(GNUInstallDirs)
  include(CMakePackageConfigHelpers)
  if(NOT version)
    set(version "${PROJECT_VERSION}")
  endif()
  if(NOT version)
    set(version 0)
  endif()
  if(NOT component)
    set(component ${NAME})
  endif()
  set(ex "")
  if(exclude)
    set(ex EXCLUDE_FROM_ALL)
  endif()
  set(cmakedir "${CMAKE_INSTALL_LIBDIR}/cmake/${NAME}")
  # Installed next to the runtime (the usual case), the library finds it
  # without LD_LIBRARY_PATH.
  set_target_properties(${NAME} PROPERTIES INSTALL_RPATH "$ORIGIN")
  install(TARGETS ${NAME} EXPORT ${NAME}Targets COMPONENT ${component} ${ex}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  # lib<NAME>_remote.so beside it (docs/remote.md), target <NAME>::<NAME>_remote
  if(TARGET ${NAME}_remote)
    install(TARGETS ${NAME}_remote EXPORT ${NAME}Targets COMPONENT ${component} ${ex}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
  install(EXPORT ${NAME}Targets NAMESPACE ${NAME}:: DESTINATION ${cmakedir}
    COMPONENT ${component} ${ex})
  set(pkg "${CMAKE_CURRENT_BINARY_DIR}/ffirt-install-${NAME}")
  file(WRITE "${pkg}/${NAME}Config.cmake"
    "# find_package(${NAME}): the ffirt library ${NAME} (target ${NAME}::${NAME}).\n"
    "include(CMakeFindDependencyMacro)\n"
    "find_dependency(ffirt)\n"
    "include(\"\${CMAKE_CURRENT_LIST_DIR}/${NAME}Targets.cmake\")\n")
  write_basic_package_version_file("${pkg}/${NAME}ConfigVersion.cmake" VERSION ${version}
    COMPATIBILITY SameMajorVersion)
  install(FILES "${pkg}/${NAME}Config.cmake" "${pkg}/${NAME}ConfigVersion.cmake"
    DESTINATION ${cmakedir} COMPONENT ${component} ${ex})
  # Relocatable, like ffirt.pc: paths relative to where the file lands.
  file(WRITE "${pkg}/${NAME}.pc"
    "prefix=\${pcfiledir}/../..\n"
    "libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}\n"
    "includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}\n\n"
    "Name: ${NAME}\n"
    "Description: the ffirt library ${NAME} (native and CBOR ABI; headers in ${NAME}/)\n"
    "Version: ${version}\n"
    "Requires.private: ffirt\n"
    "Libs: -L\${libdir} -l${NAME}\n"
    "Cflags: -I\${includedir} -I\${includedir}/${NAME}\n")
  install(FILES "${pkg}/${NAME}.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
    COMPONENT ${component} ${ex})
  # What ffirt-gen wrote is known only after the build (bindings of other
  # languages may sit beside the C files): sorted at install time.
  file(WRITE "${pkg}/install-generated.cmake"
    "set(out \"${out}\")\n"
    "set(name \"${NAME}\")\n"
    "set(incdir \"${CMAKE_INSTALL_INCLUDEDIR}\")\n"
    "set(datadir \"${CMAKE_INSTALL_DATADIR}\")\n"
    "set(libdir \"${CMAKE_INSTALL_LIBDIR}\")\n"
    "set(go_out \"${go_out}\")\n"
    "set(go_pkg \"${go_pkg}\")\n"
    [=[
set(dst "${CMAKE_INSTALL_PREFIX}")
file(GLOB items LIST_DIRECTORIES true "${out}/*")
list(SORT items)
foreach(item ${items})
  get_filename_component(base "${item}" NAME)
  if(base STREQUAL "${name}_ffi.h" OR base STREQUAL "${name}_ffi.c" OR base STREQUAL "${name}.map"
     OR base STREQUAL "${name}_remote.c")
    continue() # the library author's side, the link's version script, the remote library's source
  elseif(IS_DIRECTORY "${item}")
    file(INSTALL "${item}" DESTINATION "${dst}/${datadir}/${name}/bindings")
  elseif(base MATCHES "[.](h|hpp)$")
    file(INSTALL "${item}" DESTINATION "${dst}/${incdir}/${name}")
  elseif(base STREQUAL "${name}.cddl")
    file(INSTALL "${item}" DESTINATION "${dst}/${datadir}/${name}")
  else()
    file(INSTALL "${item}" DESTINATION "${dst}/${datadir}/${name}/bindings")
  endif()
endforeach()
# The Go module (built beside, in build/go/<pkg>): its cgo flags point at
# the installed library instead of the build tree's.
if(go_out AND IS_DIRECTORY "${go_out}")
  file(INSTALL "${go_out}" DESTINATION "${dst}/${datadir}/${name}/bindings/go"
    PATTERN "cgo_flags.go" EXCLUDE)
  file(WRITE "$ENV{DESTDIR}${dst}/${datadir}/${name}/bindings/go/${go_pkg}/cgo_flags.go"
    "// Written by the install of ${name}: where the installed lib${name}.so is.\n"
    "// CGO_LDFLAGS comes first on the link line, so it overrides these.\n\n"
    "package ${go_pkg}\n\n"
    "// #cgo LDFLAGS: -L${dst}/${libdir} -Wl,-rpath,${dst}/${libdir}\n"
    "import \"C\"\n")
endif()
]=])
  install(SCRIPT "${pkg}/install-generated.cmake" COMPONENT ${component} ${ex})
endfunction()
