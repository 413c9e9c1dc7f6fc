// The Go binding's benchmark (bench/go/run.sh runs it next to the C host,
// bench/perf_e2e). The replace line fits the default build directory; the
// script passes an alternate go.mod (-modfile) for another one.
module ffirtgobench

go 1.19

require mytimer v0.0.0

replace mytimer => ../../build/go/mytimer
