# ffirt_add_library(NAME IDL file.ffi SOURCES impl.c ... [LIBS lib ...])
#
# Builds lib<NAME>.so from an IDL file and the author's C sources:
#  - runs ffirt-gen at build time (again whenever the IDL or ffirt-gen
#    changes) into ${FFIRT_GENERATED_INCLUDE_DIR}/<NAME>/ (build/include/<NAME>/
#    in this project): <NAME>.h, <NAME>_cbor.h, <NAME>_ffi.h, <NAME>_ffi.c,
#    <NAME>.cddl, and the C++20 binding <NAME>.hpp (docs/guide-cpp.md).
#    The IDL's `library` name must be NAME.
#  - compiles the glue <NAME>_ffi.c with SOURCES into a SHARED library in
#    build/lib/, linked to the shared runtime (ffirt::ffirt), exporting only
#    the <NAME>_ symbols (version script).
#  - PUBLIC include dirs: the generated dir's parent (#include <NAME/NAME.h>)
#    and the dir itself (#include "NAME.h").
#  - the host bindings, one block per language below (# --- <lang> binding).
#  - the Rust crate <NAME> in ${FFIRT_RUST_DIR}/<NAME>/ (build/rust/<NAME>/ in
#    this project; target <NAME>_rust), whose build.rs links lib<NAME>.so
#    from the directory it is built into here.
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

  set(map "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.map")
  file(WRITE "${map}.in" "/* Exports of lib${NAME}.so: the ${NAME}_ prefix only. */\n{\n  global:\n    ${NAME}_*;\n  local:\n    *;\n};\n")
  configure_file("${map}.in" "${map}" COPYONLY)

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
  target_include_directories(${NAME} PUBLIC $<BUILD_INTERFACE:${base}> $<BUILD_INTERFACE:${out}>)
  target_link_libraries(${NAME} PUBLIC ffirt::ffirt ${A_LIBS})
  target_link_options(${NAME} PRIVATE "-Wl,--version-script=${map}")
  set_target_properties(${NAME} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib"
    LINK_DEPENDS "${map}")

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
endfunction()
