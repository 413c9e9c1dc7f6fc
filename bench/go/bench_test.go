// Benchmarks of the generated Go binding on my_timer's echo (delayMs 0),
// the same round trip bench/perf_e2e measures from C: Go -> cgo -> export ->
// worker -> handler -> callback -> the waiting goroutine.
//
//	BenchmarkEchoSync/<payload>      one goroutine, one call at a time;
//	                                 reports p50/p99/max latency (us)
//	BenchmarkEchoParallel/<payload>  64 goroutines calling at once on one
//	                                 context (the C host's async window is
//	                                 64 in flight); reports ops/s
//
// Every reply is checked. bench/go/run.sh prints them beside the C figures.
package ffirtgobench

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mytimer"
)

var payloads = []int{64, 4096}

func newTimer(b *testing.B) *mytimer.MyTimer {
	b.Helper()
	tm, err := mytimer.Create(context.Background(), mytimer.TimerConfig{Name: "perf"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tm.Close() })
	return tm
}

func message(n int) string { return strings.Repeat("x", n) }

func BenchmarkEchoSync(b *testing.B) {
	for _, size := range payloads {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			tm := newTimer(b)
			ctx := context.Background()
			req := mytimer.EchoRequest{Message: message(size)}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				r, err := tm.Echo(ctx, req)
				lat = append(lat, time.Since(t0))
				if err != nil || len(r.Echoed) != size {
					b.Fatalf("Echo: %d bytes, %v", len(r.Echoed), err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			us := func(d time.Duration) float64 { return float64(d) / 1e3 }
			b.ReportMetric(us(lat[len(lat)/2]), "p50-us")
			b.ReportMetric(us(lat[len(lat)*99/100]), "p99-us")
			b.ReportMetric(us(lat[len(lat)-1]), "max-us")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
		})
	}
}

func BenchmarkEchoParallel(b *testing.B) {
	for _, size := range payloads {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			tm := newTimer(b)
			ctx := context.Background()
			req := mytimer.EchoRequest{Message: message(size)}
			var bad atomic.Int64
			// RunParallel starts parallelism * GOMAXPROCS goroutines: 64 in all.
			p := (64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
			b.SetParallelism(p)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if r, err := tm.Echo(ctx, req); err != nil || len(r.Echoed) != size {
						bad.Add(1)
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			if bad.Load() != 0 {
				b.Fatalf("%d bad replies", bad.Load())
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
			b.ReportMetric(float64(p*runtime.GOMAXPROCS(0)), "goroutines")
		})
	}
}
