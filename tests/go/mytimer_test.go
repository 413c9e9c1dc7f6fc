// Tests of the generated Go binding of my_timer (examples/timer/my_timer.ffi)
// against the example library: every behaviour of shared/spec/examples.md,
// events in every form, cancellation, closing, and concurrency. Run with
// `go test -race` (tests/go/go.cmake).
package ffirtgotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mytimer"
)

// wait is the patience for anything that should happen soon; the machine
// running the tests may be loaded, so it is generous.
const wait = 20 * time.Second

func newTimer(t *testing.T, name string) *mytimer.MyTimer {
	t.Helper()
	tm, err := mytimer.Create(context.Background(), mytimer.TimerConfig{Name: name})
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	t.Cleanup(func() { tm.Close() })
	return tm
}

func bg() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), wait)
}

func TestVersionAndEcho(t *testing.T) {
	tm := newTimer(t, "t1")
	ctx, cancel := bg()
	defer cancel()
	v, err := tm.Version(ctx)
	if err != nil || v != "timer v0.1.0" {
		t.Fatalf("Version = %q, %v", v, err)
	}
	r, err := tm.Echo(ctx, mytimer.EchoRequest{Message: "hi", DelayMs: 0})
	if err != nil {
		t.Fatal(err)
	}
	if r != (mytimer.EchoResponse{Echoed: "hi", TimerName: "t1"}) {
		t.Fatalf("Echo = %+v", r)
	}
	// UTF-8 and a long text survive the copy both ways.
	long := strings.Repeat("héllo wörld ", 5000)
	if r, err := tm.Echo(ctx, mytimer.EchoRequest{Message: long}); err != nil || r.Echoed != long {
		t.Fatalf("long Echo: %d bytes back, %v", len(r.Echoed), err)
	}
}

func TestEchoDelayDoesNotBlockOtherRequests(t *testing.T) {
	tm := newTimer(t, "t1")
	ctx, cancel := bg()
	defer cancel()
	slow := make(chan time.Time, 1)
	start := time.Now()
	go func() {
		if _, err := tm.Echo(ctx, mytimer.EchoRequest{Message: "slow", DelayMs: 1500}); err != nil {
			t.Error(err)
		}
		slow <- time.Now()
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := tm.Version(ctx); err != nil {
		t.Fatal(err)
	}
	versionAt := time.Now()
	slowAt := <-slow
	if !versionAt.Before(slowAt) {
		t.Fatalf("Version (after %v) waited for the delayed echo (%v)", versionAt.Sub(start), slowAt.Sub(start))
	}
	if d := slowAt.Sub(start); d < 1500*time.Millisecond {
		t.Fatalf("delayed echo replied after %v, before its 1500 ms", d)
	}
}

func TestComplex(t *testing.T) {
	tm := newTimer(t, "t1")
	ctx, cancel := bg()
	defer cancel()
	note, retries := "n", int64(3)
	r, err := tm.Complex(ctx, mytimer.ComplexRequest{
		Messages: []mytimer.EchoRequest{{Message: "a"}, {Message: "b", DelayMs: 5}},
		Tags:     []string{"x", "y"},
		Note:     &note,
		Retries:  &retries,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := mytimer.ComplexResponse{Summary: "received 2 messages, note=n, retries=3", ItemCount: 2, HasNote: true}
	if r != want {
		t.Fatalf("Complex = %+v, want %+v", r, want)
	}
	r, err = tm.Complex(ctx, mytimer.ComplexRequest{})
	want = mytimer.ComplexResponse{Summary: "received 0 messages, note=<none>, retries=0"}
	if err != nil || r != want {
		t.Fatalf("empty Complex = %+v, %v; want %+v", r, err, want)
	}
}

func TestSchedule(t *testing.T) {
	tm := newTimer(t, "t1")
	ctx, cancel := bg()
	defer cancel()
	jitter := int64(7)
	r, err := tm.Schedule(ctx,
		mytimer.JobSpec{Name: "job", Payload: []string{"p"}, Priority: 2},
		mytimer.RetryPolicy{MaxAttempts: 3, BackoffMs: 250, RetryOn: []string{"timeout"}},
		mytimer.ScheduleConfig{StartAtMs: 1000, IntervalMs: 7000, Jitter: &jitter})
	if err != nil {
		t.Fatal(err)
	}
	want := mytimer.ScheduleResult{JobId: "t1:job", WillRunCount: 8, FirstRunAtMs: 1007, EffectiveBackoffMs: 250}
	if r != want {
		t.Fatalf("Schedule = %+v, want %+v", r, want)
	}
	r, err = tm.Schedule(ctx, mytimer.JobSpec{Name: "once"}, mytimer.RetryPolicy{MaxAttempts: 1},
		mytimer.ScheduleConfig{StartAtMs: 5})
	if err != nil || r.WillRunCount != 1 || r.FirstRunAtMs != 5 {
		t.Fatalf("Schedule without interval = %+v, %v", r, err)
	}
	for _, c := range []struct {
		job   mytimer.JobSpec
		retry mytimer.RetryPolicy
		msg   string
	}{
		{mytimer.JobSpec{}, mytimer.RetryPolicy{MaxAttempts: 1}, "job name must not be empty"},
		{mytimer.JobSpec{Name: "j"}, mytimer.RetryPolicy{}, "retry.maxAttempts must be positive"},
	} {
		_, err := tm.Schedule(ctx, c.job, c.retry, mytimer.ScheduleConfig{})
		var e *mytimer.Error
		if !errors.As(err, &e) || e.Message != c.msg {
			t.Fatalf("Schedule(%+v, %+v) error = %#v, want *Error %q", c.job, c.retry, err, c.msg)
		}
		if err.Error() != "mytimer: "+c.msg {
			t.Fatalf("Error() = %q", err.Error())
		}
	}
}

func TestNulInStringIsRefused(t *testing.T) {
	tm := newTimer(t, "t1")
	ctx, cancel := bg()
	defer cancel()
	_, err := tm.Echo(ctx, mytimer.EchoRequest{Message: "a\x00b"})
	var e *mytimer.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "EchoRequest.message") {
		t.Fatalf("Echo with NUL: %v, want an *Error naming EchoRequest.message", err)
	}
	_, err = tm.Complex(ctx, mytimer.ComplexRequest{Tags: []string{"ok", "x\x00"}})
	if !errors.As(err, &e) || !strings.Contains(e.Message, "ComplexRequest.tags") {
		t.Fatalf("Complex with NUL tag: %v", err)
	}
	if _, err := tm.Version(ctx); err != nil { // the context is unharmed
		t.Fatal(err)
	}
}

func TestCloseIsIdempotentAndFailsLaterCalls(t *testing.T) {
	tm, err := mytimer.Create(context.Background(), mytimer.TimerConfig{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tm.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	var e *mytimer.Error
	if _, err := tm.Version(context.Background()); !errors.As(err, &e) {
		t.Fatalf("Version after Close: %v, want *Error", err)
	}
	if _, err := tm.OnEchoFired(func(mytimer.EchoEvent) {}); !errors.As(err, &e) {
		t.Fatalf("OnEchoFired after Close: %v, want *Error", err)
	}
	select {
	case _, ok := <-tm.Events(context.Background(), 1):
		if ok {
			t.Fatal("Events after Close delivered something")
		}
	case <-time.After(wait):
		t.Fatal("Events after Close: channel not closed")
	}
}

func TestCloseFailsRequestsInFlight(t *testing.T) {
	tm, err := mytimer.Create(context.Background(), mytimer.TimerConfig{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := tm.Echo(context.Background(), mytimer.EchoRequest{Message: "x", DelayMs: 10000})
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := tm.Close(); err != nil {
		t.Fatal(err)
	}
	var e *mytimer.Error
	if err := <-errc; !errors.As(err, &e) {
		t.Fatalf("request in flight at Close: %v, want *Error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v with a 10 s request in flight", d)
	}
}

func TestContextCancellation(t *testing.T) {
	tm := newTimer(t, "t1")
	// A deadline before the reply: ctx.Err() at once, the late reply is dropped.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	start := time.Now()
	_, err := tm.Echo(ctx, mytimer.EchoRequest{Message: "late", DelayMs: 3000})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Echo past its deadline: %v", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("Echo returned %v after a 30 ms deadline (waited for the reply?)", d)
	}
	// Cancelled while waiting.
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := tm.Echo(ctx, mytimer.EchoRequest{Message: "late2", DelayMs: 3000}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Echo: %v", err)
	}
	// Already cancelled: nothing is sent.
	if _, err := tm.Version(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Version with a cancelled ctx: %v", err)
	}
	if _, err := mytimer.Create(ctx, mytimer.TimerConfig{Name: "never"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with a cancelled ctx: %v", err)
	}
	// Many requests abandoned at once; their replies arrive later and must
	// be dropped safely while the context keeps serving.
	short, cancelShort := context.WithTimeout(context.Background(), 10*time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := tm.Echo(short, mytimer.EchoRequest{Message: fmt.Sprint(i), DelayMs: 100}); err == nil {
				t.Errorf("abandoned echo %d returned a reply", i)
			}
		}(i)
	}
	wg.Wait()
	cancelShort()
	time.Sleep(600 * time.Millisecond) // the late replies of all of the above arrive now
	ctx, cancel = bg()
	defer cancel()
	if r, err := tm.Echo(ctx, mytimer.EchoRequest{Message: "after"}); err != nil || r.Echoed != "after" {
		t.Fatalf("Echo after the late replies: %+v, %v", r, err)
	}
}

func TestCreateDeadlineDestroysTheContext(t *testing.T) {
	// A deadline that ends while the constructor runs (it waits ~1 ms): either
	// result is fine, but no leak, no crash, and a context that was made works.
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i)*100*time.Microsecond)
		tm, err := mytimer.Create(ctx, mytimer.TimerConfig{Name: "d"})
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Create: %v", err)
			}
			continue
		}
		if _, err := tm.Version(context.Background()); err != nil {
			t.Fatal(err)
		}
		tm.Close()
	}
}

func echoN(t *testing.T, tm *mytimer.MyTimer, msgs ...string) {
	t.Helper()
	ctx, cancel := bg()
	defer cancel()
	for _, m := range msgs {
		if _, err := tm.Echo(ctx, mytimer.EchoRequest{Message: m}); err != nil {
			t.Fatal(err)
		}
	}
}

// recorder collects what a listener saw; safe across threads.
type recorder struct {
	mu  sync.Mutex
	got []string
	ch  chan struct{}
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 1024)} }

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.got = append(r.got, s)
	r.mu.Unlock()
	r.ch <- struct{}{}
}

func (r *recorder) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(wait)
	for {
		r.mu.Lock()
		k := len(r.got)
		got := append([]string(nil), r.got...)
		r.mu.Unlock()
		if k >= n {
			return got
		}
		select {
		case <-r.ch:
		case <-deadline:
			t.Fatalf("waited for %d events, got %d: %q", n, k, got)
		}
	}
}

func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestTypedEvent(t *testing.T) {
	tm := newTimer(t, "t1")
	rec := newRecorder()
	sub, err := tm.OnEchoFired(func(e mytimer.EchoEvent) {
		rec.add(fmt.Sprintf("%s/%d", e.Message, e.EchoCount))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	echoN(t, tm, "a", "b", "c")
	if got := rec.waitFor(t, 3); strings.Join(got, " ") != "a/1 b/1 c/1" {
		t.Fatalf("events %q", got)
	}
}

func TestOnAnyTypedPayload(t *testing.T) {
	tm := newTimer(t, "t1")
	rec := newRecorder()
	sub, err := tm.OnAny(func(e mytimer.Event) {
		if e.Type != mytimer.EventOnEchoFired {
			return // e.g. the runtime's not_responding on a loaded machine
		}
		p, ok := e.Payload.(mytimer.EchoEvent)
		if !ok {
			rec.add(fmt.Sprintf("payload %T", e.Payload))
			return
		}
		rec.add(e.Type + ":" + p.Message)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	echoN(t, tm, "x", "y")
	if got := rec.waitFor(t, 2); strings.Join(got, " ") != "on_echo_fired:x on_echo_fired:y" {
		t.Fatalf("events %q", got)
	}
}

func TestOnAnyCBOREnvelope(t *testing.T) {
	tm := newTimer(t, "t1")
	type ev struct {
		name string
		env  []byte
	}
	got := make(chan ev, 16)
	sub, err := tm.OnAnyCBOR(func(name string, envelope []byte) {
		if name == mytimer.EventOnEchoFired {
			got <- ev{name, envelope}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	echoN(t, tm, "hi")
	// abi.md 6: the event after echo "hi".
	want := []byte("\xa2\x69eventType\x6don_echo_fired\x67payload\xa2\x67message\x62hi\x69echoCount\x01")
	select {
	case e := <-got:
		if !bytes.Equal(e.env, want) {
			t.Fatalf("envelope % x, want % x", e.env, want)
		}
	case <-time.After(wait):
		t.Fatal("no CBOR event")
	}
}

func TestEventsChannel(t *testing.T) {
	tm := newTimer(t, "t1")
	ctx, cancel := context.WithCancel(context.Background())
	ch := tm.Events(ctx, 16)
	echoN(t, tm, "one", "two")
	var seen []string
	for len(seen) < 2 {
		select {
		case e := <-ch:
			if p, ok := e.Payload.(mytimer.EchoEvent); ok {
				seen = append(seen, p.Message)
			}
		case <-time.After(wait):
			t.Fatalf("channel delivered %q", seen)
		}
	}
	if strings.Join(seen, " ") != "one two" {
		t.Fatalf("channel delivered %q", seen)
	}
	cancel()
	deadline := time.After(wait)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return // closed once ctx ended
			}
		case <-deadline:
			t.Fatal("channel not closed after ctx ended")
		}
	}
}

func TestEventsChannelFullNeverBlocksDelivery(t *testing.T) {
	tm := newTimer(t, "t1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := tm.Events(ctx, 1) // never read until the end
	var n atomic.Int64
	sub, err := tm.OnEchoFired(func(mytimer.EchoEvent) { n.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	const count = 40
	for i := 0; i < count; i++ {
		echoN(t, tm, fmt.Sprint(i))
	}
	deadline := time.Now().Add(wait)
	for n.Load() < count && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n.Load() != count {
		t.Fatalf("the listener after a full channel got %d of %d events (event thread blocked?)", n.Load(), count)
	}
	if len(ch) != 1 {
		t.Fatalf("buffer holds %d events, want 1 (the rest dropped)", len(ch))
	}
}

func TestRemoveWhileAnotherKeepsReceiving(t *testing.T) {
	tm := newTimer(t, "t1")
	a, b := newRecorder(), newRecorder()
	subA, err := tm.OnEchoFired(func(e mytimer.EchoEvent) { a.add(e.Message) })
	if err != nil {
		t.Fatal(err)
	}
	subB, err := tm.OnEchoFired(func(e mytimer.EchoEvent) { b.add(e.Message) })
	if err != nil {
		t.Fatal(err)
	}
	defer subB.Close()
	echoN(t, tm, "1")
	a.waitFor(t, 1)
	b.waitFor(t, 1)
	if err := subA.Close(); err != nil {
		t.Fatal(err)
	}
	subA.Close() // again: nothing
	echoN(t, tm, "2", "3")
	if got := b.waitFor(t, 3); strings.Join(got, "") != "123" {
		t.Fatalf("kept listener got %q", got)
	}
	if got := a.snapshot(); strings.Join(got, "") != "1" {
		t.Fatalf("removed listener got %q", got)
	}
}

func TestRemoveInsideListener(t *testing.T) {
	tm := newTimer(t, "t1")
	var calls atomic.Int64
	var sub *mytimer.Subscription
	ready := make(chan struct{})
	removed := make(chan struct{})
	var err error
	sub, err = tm.OnEchoFired(func(mytimer.EchoEvent) {
		<-ready
		if calls.Add(1) == 1 {
			sub.Close() // from inside: must not wait for itself
			close(removed)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	echoN(t, tm, "a", "b", "c")
	select {
	case <-removed:
	case <-time.After(wait):
		t.Fatal("Close inside the listener did not return")
	}
	// A later listener proves the events after the first were delivered.
	rec := newRecorder()
	s2, err := tm.OnEchoFired(func(e mytimer.EchoEvent) { rec.add(e.Message) })
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	echoN(t, tm, "d")
	rec.waitFor(t, 1)
	if calls.Load() != 1 {
		t.Fatalf("listener ran %d times after removing itself on the first", calls.Load())
	}
}

func TestSubscriptionCloseWaitsForARunningListener(t *testing.T) {
	tm := newTimer(t, "t1")
	entered := make(chan struct{}, 1)
	var running atomic.Bool
	sub, err := tm.OnEchoFired(func(mytimer.EchoEvent) {
		running.Store(true)
		select {
		case entered <- struct{}{}:
		default:
		}
		time.Sleep(150 * time.Millisecond)
		running.Store(false)
	})
	if err != nil {
		t.Fatal(err)
	}
	echoN(t, tm, "x")
	<-entered
	sub.Close()
	if running.Load() {
		t.Fatal("Subscription.Close returned while the listener was running")
	}
}

func TestListenerMayCallBlockingMethodsButNotClose(t *testing.T) {
	tm := newTimer(t, "t1")
	type res struct {
		version  string
		err      error
		closeErr error
	}
	out := make(chan res, 4)
	sub, err := tm.OnEchoFired(func(mytimer.EchoEvent) {
		ctx, cancel := bg()
		defer cancel()
		v, err := tm.Version(ctx) // listeners may wait (they are not on the worker)
		out <- res{v, err, tm.Close()}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	echoN(t, tm, "x")
	select {
	case r := <-out:
		if r.err != nil || r.version != "timer v0.1.0" {
			t.Fatalf("Version inside a listener: %q, %v", r.version, r.err)
		}
		var e *mytimer.Error
		if !errors.As(r.closeErr, &e) {
			t.Fatalf("Close inside a listener: %v, want *Error", r.closeErr)
		}
	case <-time.After(wait):
		t.Fatal("listener deadlocked")
	}
	if _, err := tm.Version(context.Background()); err != nil {
		t.Fatalf("context unusable after the refused Close: %v", err)
	}
}

func Test64GoroutinesShareOneContext(t *testing.T) {
	tm := newTimer(t, "shared")
	ctx, cancel := bg()
	defer cancel()
	var events atomic.Int64
	sub, err := tm.OnEchoFired(func(mytimer.EchoEvent) { events.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	const G, N = 64, 20
	var wg sync.WaitGroup
	for g := 0; g < G; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < N; i++ {
				msg := fmt.Sprintf("g%d-%d", g, i)
				r, err := tm.Echo(ctx, mytimer.EchoRequest{Message: msg})
				if err != nil || r.Echoed != msg || r.TimerName != "shared" {
					t.Errorf("Echo %s = %+v, %v", msg, r, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	deadline := time.Now().Add(wait)
	for events.Load() < G*N && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if events.Load() != G*N {
		t.Fatalf("%d events for %d echoes", events.Load(), G*N)
	}
}

func TestContextsCreatedAndClosedPerGoroutine(t *testing.T) {
	const G, N = 16, 4
	var wg sync.WaitGroup
	for g := 0; g < G; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ctx, cancel := bg()
			defer cancel()
			for i := 0; i < N; i++ {
				name := fmt.Sprintf("t%d.%d", g, i)
				tm, err := mytimer.Create(ctx, mytimer.TimerConfig{Name: name})
				if err != nil {
					t.Error(err)
					return
				}
				got := make(chan string, 1)
				sub, err := tm.OnEchoFired(func(e mytimer.EchoEvent) { got <- e.Message })
				if err != nil {
					t.Error(err)
				}
				r, err := tm.Echo(ctx, mytimer.EchoRequest{Message: name})
				if err != nil || r.TimerName != name {
					t.Errorf("Echo on %s: %+v, %v", name, r, err)
				}
				select {
				case m := <-got:
					if m != name {
						t.Errorf("event of %s: %q", name, m)
					}
				case <-time.After(wait):
					t.Errorf("no event on %s", name)
				}
				if i%2 == 0 {
					sub.Close() // half explicitly, half by Close of the timer
				}
				if err := tm.Close(); err != nil {
					t.Error(err)
				}
				sub.Close() // after the timer's Close: nothing
			}
		}(g)
	}
	wg.Wait()
}

func TestDroppedEventsAreReported(t *testing.T) {
	tm := newTimer(t, "t1")
	release := make(chan struct{})
	entered := make(chan struct{})
	var once sync.Once
	block, err := tm.OnEchoFired(func(mytimer.EchoEvent) {
		once.Do(func() { close(entered) })
		<-release // holds the event thread: the bounded queue fills up
	})
	if err != nil {
		t.Fatal(err)
	}
	counts := make(chan uint64, 64)
	ds, err := tm.OnDroppedEvents(func(n uint64) { counts <- n })
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	payloads := make(chan any, 64)
	as, err := tm.OnAny(func(e mytimer.Event) {
		if e.Type == mytimer.EventDroppedEvents {
			payloads <- e.Payload
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer as.Close()
	echoN(t, tm, "first")
	<-entered
	// More events than the queue holds (1024 by default) while it is stuck;
	// the requests themselves are never refused because of it.
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if _, err := tm.Echo(context.Background(), mytimer.EchoRequest{Message: "flood"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(release)
	select {
	case n := <-counts:
		if n == 0 {
			t.Fatal("dropped_events reported 0")
		}
	case <-time.After(wait):
		t.Fatal("no dropped_events report after overflowing the queue")
	}
	select {
	case p := <-payloads:
		if n, ok := p.(uint64); !ok || n == 0 {
			t.Fatalf("OnAny dropped_events payload %#v, want a uint64 count", p)
		}
	case <-time.After(wait):
		t.Fatal("OnAny got no dropped_events")
	}
	block.Close()
}
