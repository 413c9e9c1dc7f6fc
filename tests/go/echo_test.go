package ffirtgotest

import (
	"fmt"
	"sync"
	"testing"

	"echo"
	"mytimer"
)

func TestEchoLibrary(t *testing.T) {
	ctx, cancel := bg()
	defer cancel()
	e, err := echo.Create(ctx, echo.EchoConfig{Prefix: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r, err := e.Shout(ctx, echo.ShoutRequest{Text: "hi there"})
	if err != nil || r != (echo.ShoutResponse{Shouted: "p: HI THERE", Prefix: "p"}) {
		t.Fatalf("Shout = %+v, %v", r, err)
	}
	if v, err := e.Version(ctx); err != nil || v != "echo v0.1.0" {
		t.Fatalf("Version = %q, %v", v, err)
	}
}

// Two generated packages, two libraries, one process, used at the same time.
func TestTwoLibrariesInOneProcess(t *testing.T) {
	ctx, cancel := bg()
	defer cancel()
	tm, err := mytimer.Create(ctx, mytimer.TimerConfig{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	e, err := echo.Create(ctx, echo.EchoConfig{Prefix: "e"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(2)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				m := fmt.Sprintf("m%d.%d", g, i)
				if r, err := tm.Echo(ctx, mytimer.EchoRequest{Message: m}); err != nil || r.Echoed != m {
					t.Errorf("mytimer Echo %s: %+v, %v", m, r, err)
				}
			}
		}(g)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				m := fmt.Sprintf("s%d.%d", g, i)
				if r, err := e.Shout(ctx, echo.ShoutRequest{Text: m}); err != nil || r.Shouted != "e: "+fmt.Sprintf("S%d.%d", g, i) {
					t.Errorf("echo Shout %s: %+v, %v", m, r, err)
				}
			}
		}(g)
	}
	wg.Wait()
	// Each library keeps its own versions.
	if v, _ := tm.Version(ctx); v != "timer v0.1.0" {
		t.Fatalf("mytimer Version %q", v)
	}
	if v, _ := e.Version(ctx); v != "echo v0.1.0" {
		t.Fatalf("echo Version %q", v)
	}
}
