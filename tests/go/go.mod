// The Go binding's tests (tests/go/go.cmake runs them with `go test -race`).
// The replace lines fit the default build directory (build/); ctest passes an
// alternate go.mod (-modfile) with the configured build directory instead.
module ffirtgotest

go 1.19

require (
	echo v0.0.0
	edges v0.0.0
	kitchensink v0.0.0
	mytimer v0.0.0
)

replace (
	echo => ../../build/go/echo
	edges => ../../build/go/edges
	kitchensink => ../../build/go/kitchensink
	mytimer => ../../build/go/mytimer
)
