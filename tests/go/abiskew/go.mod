// The ABI mismatch test of the Go binding (tests/go/go.cmake): package
// mytimer generated from tests/e2e/abi_skew.ffi, linked against the real
// libmy_timer.so. A module of its own: the skewed mytimer cannot share a
// build with the real one. The replace line fits the default build
// directory (build/); ctest passes an alternate go.mod (-modfile).
module ffirtgoabiskew

go 1.19

require mytimer v0.0.0

replace mytimer => ../../../build/go-abi-skew/mytimer
