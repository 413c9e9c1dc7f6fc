// A Go host of the my_timer example library, through its generated Go
// binding (build/go/mytimer, from `ffirt-gen --lang go`): create a timer,
// call it, listen to its events, cancel a slow call, close everything.
//
//	make build && cd examples/timer/go && go run .
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"mytimer"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Create returns once the library's constructor ran on its worker thread.
	t, err := mytimer.Create(ctx, mytimer.TimerConfig{Name: "go-demo"})
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()

	v, err := t.Version(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("version:", v)

	// Typed events: fn runs on the context's event thread with a Go copy.
	fired := make(chan mytimer.EchoEvent, 8)
	sub, err := t.OnEchoFired(func(e mytimer.EchoEvent) { fired <- e })
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close()

	// Every event, as a channel that closes with its context.
	evctx, stopEvents := context.WithCancel(ctx)
	events := t.Events(evctx, 16)

	r, err := t.Echo(ctx, mytimer.EchoRequest{Message: "hello from Go", DelayMs: 50})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("echo: %q from timer %q\n", r.Echoed, r.TimerName)
	e := <-fired
	fmt.Printf("on_echo_fired: %q (count %d)\n", e.Message, e.EchoCount)
	ev := <-events
	fmt.Printf("Events(): %s %+v\n", ev.Type, ev.Payload)
	stopEvents()

	// Optional fields are pointers, sequences are slices.
	note := "from main.go"
	c, err := t.Complex(ctx, mytimer.ComplexRequest{
		Messages: []mytimer.EchoRequest{{Message: "a"}, {Message: "b"}},
		Tags:     []string{"go"},
		Note:     &note,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("complex:", c.Summary)

	// The library's errors are *mytimer.Error.
	_, err = t.Schedule(ctx, mytimer.JobSpec{}, mytimer.RetryPolicy{MaxAttempts: 1}, mytimer.ScheduleConfig{})
	var libErr *mytimer.Error
	if errors.As(err, &libErr) {
		fmt.Println("schedule error:", libErr.Message)
	}

	// A deadline shorter than the work: ctx.Err() at once; the library's
	// late reply is dropped when it comes.
	short, cancelShort := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = t.Echo(short, mytimer.EchoRequest{Message: "too slow", DelayMs: 500})
	cancelShort()
	fmt.Println("slow echo:", err)

	if err := t.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("done")
}
