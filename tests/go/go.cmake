# The Go binding (ffirt-gen --lang go): `go test -race` over tests/go against
# the generated packages of my_timer, echo, kitchen_sink and edges (build/go/<pkg>),
# `go vet` and gofmt of the generated code, and the Go example host.
#
# The test module's go.mod (tests/go/go.mod) replaces the packages with the
# default build directory; the tests here pass an alternate go.mod
# (-modfile) that points at this build tree instead. Nothing is fetched:
# GOPROXY=off, GOTOOLCHAIN=local, no requirements but the replaced modules.
# GOCACHE/GOPATH stay the user's unless Go has none (no HOME, as on some CI
# runners): then they live in the build tree. Label nosan: Go links its own
# runtime, which the ASan/TSan builds cannot instrument (-race is the Go
# side's race detector).
if(NOT TARGET my_timer OR NOT TARGET echo OR NOT TARGET kitchen_sink OR NOT TARGET edges)
  return()
endif()
find_program(FFIRT_GO go)
if(NOT FFIRT_GO)
  message(STATUS "tests/go: no go toolchain (scripts/deps.sh installs golang-go); Go tests skipped")
  return()
endif()
get_filename_component(_go_bin "${FFIRT_GO}" DIRECTORY)
find_program(FFIRT_GOFMT gofmt HINTS "${_go_bin}")

set(go_env GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local GOWORK=off GO111MODULE=on CGO_ENABLED=1
  GOFLAGS=-buildvcs=false)
foreach(v GOCACHE GOPATH)
  execute_process(COMMAND ${FFIRT_GO} env ${v} OUTPUT_VARIABLE _val ERROR_QUIET
    OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR _val STREQUAL "" OR _val STREQUAL "off")
    string(TOLOWER "${v}" _lv)
    list(APPEND go_env ${v}=${CMAKE_BINARY_DIR}/go-${_lv})
  endif()
endforeach()

# An alternate go.mod for a module in the source tree, replacing the
# generated packages with this build tree's.
function(ffirt_go_modfile OUT MODULE)
  set(req "")
  set(rep "")
  foreach(lib ${ARGN})
    get_target_property(dir ${lib} FFIRT_GO_DIR)
    get_filename_component(pkg "${dir}" NAME)
    string(APPEND req "\t${pkg} v0.0.0\n")
    string(APPEND rep "\t${pkg} => ${dir}\n")
  endforeach()
  file(CONFIGURE OUTPUT "${OUT}"
    CONTENT "// Written by CMake (tests/go/go.cmake) for this build tree.\nmodule ${MODULE}\n\ngo 1.19\n\nrequire (\n${req})\n\nreplace (\n${rep})\n")
endfunction()

set(_mod ${CMAKE_BINARY_DIR}/tests/go/go.mod)
ffirt_go_modfile(${_mod} ffirtgotest my_timer echo kitchen_sink edges)

add_test(NAME go_binding
  COMMAND ${CMAKE_COMMAND} -E env ${go_env} ${FFIRT_GO} test -race -count=1 -modfile=${_mod} ./...
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/go)
set_tests_properties(go_binding PROPERTIES LABELS "nosan;unit" TIMEOUT 600)

# go vet (the generated packages and the tests) and gofmt (generated code).
get_target_property(_d1 my_timer FFIRT_GO_DIR)
get_target_property(_d2 echo FFIRT_GO_DIR)
get_target_property(_d3 kitchen_sink FFIRT_GO_DIR)
add_test(NAME go_vet_gofmt
  COMMAND ${CMAKE_COMMAND} -E env ${go_env} FFIRT_GO=${FFIRT_GO} FFIRT_GOFMT=${FFIRT_GOFMT}
    sh -c "\"$FFIRT_GO\" vet -modfile=${_mod} mytimer echo kitchensink ./... && out=$(\"$FFIRT_GOFMT\" -l ${_d1} ${_d2} ${_d3}) && if [ -n \"$out\" ]; then echo \"not gofmt-clean: $out\"; exit 1; fi"
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/go)
set_tests_properties(go_vet_gofmt PROPERTIES LABELS "nosan;unit" TIMEOUT 600)

# Every odd IDL shape of the generator tests must give a Go package that
# vets and is gofmt-clean (names that meet the binding's locals, a static
# named like the state, nested optionals, odd wire texts, ...).
file(GLOB _shapes ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/shapes/*.ffi)
add_test(NAME go_vet_shapes
  COMMAND ${CMAKE_COMMAND} -E env ${go_env} GO=${FFIRT_GO} GOFMT=${FFIRT_GOFMT}
    sh ${PROJECT_SOURCE_DIR}/tests/go/vet_generated.sh $<TARGET_FILE:ffirt-gen>
    ${CMAKE_BINARY_DIR}/tests/go/shapes ${_shapes} ${PROJECT_SOURCE_DIR}/tests/gen/kitchen/edges.ffi)
set_tests_properties(go_vet_shapes PROPERTIES LABELS "nosan;unit" TIMEOUT 600)

# The example host (examples/timer/go) runs to the end.
set(_exmod ${CMAKE_BINARY_DIR}/examples/timer/go/go.mod)
ffirt_go_modfile(${_exmod} mytimerexample my_timer)
add_test(NAME go_example
  COMMAND ${CMAKE_COMMAND} -E env ${go_env} ${FFIRT_GO} run -modfile=${_exmod} .
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/examples/timer/go)
set_tests_properties(go_example PROPERTIES LABELS "nosan;unit" TIMEOUT 600
  PASS_REGULAR_EXPRESSION "done")

# The Go benchmark (bench/go, run by bench/go/run.sh beside the C host) must
# keep building and checking its replies: a few iterations, never timed.
set(_bmod ${CMAKE_BINARY_DIR}/bench/go/go.mod)
ffirt_go_modfile(${_bmod} ffirtgobench my_timer)
add_test(NAME go_bench_smoke
  COMMAND ${CMAKE_COMMAND} -E env ${go_env} ${FFIRT_GO} test -run ^$ -bench . -benchtime 20x
    -modfile=${_bmod} .
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/bench/go)
set_tests_properties(go_bench_smoke PROPERTIES LABELS "nosan;unit;bench" TIMEOUT 600)
