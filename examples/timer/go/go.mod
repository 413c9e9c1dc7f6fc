// The Go example host of my_timer. The replace line fits the default build
// directory (build/, after `make build`); `go run .` here runs it.
module mytimerexample

go 1.19

require mytimer v0.0.0

replace mytimer => ../../../build/go/mytimer
