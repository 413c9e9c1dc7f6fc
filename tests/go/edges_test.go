package ffirtgotest

// The shapes the kitchen sink does not cover (tests/gen/kitchen/edges.ffi):
// a constructor without parameters, a destructor not called destroy, leaf
// results of every other kind, seq/optional parameters of a static, nested
// containers, and events with string, bytes, seq, optional and
// multi-parameter payloads.

import (
	"reflect"
	"testing"
	"time"

	"edges"
)

func TestEdgesResultsAndParameters(t *testing.T) {
	ctx, cancel := bg()
	defer cancel()
	e, err := edges.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if m, err := e.Mood(ctx); err != nil || m != edges.MoodAngry || m.String() != "ANGRY" {
		t.Fatalf("Mood = %v, %v", m, err)
	}
	for _, o := range []edges.Odd{edges.OddQuote, edges.OddBackslash, edges.OddComment, edges.OddTrigraph, edges.OddUtf8} {
		if got, err := e.Odd(ctx, o); err != nil || got != o {
			t.Fatalf("Odd(%v) = %v, %v", o, got, err)
		}
	}
	if edges.OddUtf8.String() != "caf\u00e90\u00e97" || edges.OddQuote.String() != "say \"hi\"" {
		t.Fatal("Odd.String")
	}
	if y, err := e.Yes(ctx); err != nil || !y {
		t.Fatalf("Yes = %v, %v", y, err)
	}
	if r, err := e.Ratio(ctx); err != nil || r != 0.25 {
		t.Fatalf("Ratio = %v, %v", r, err)
	}
	if b, err := e.Raw(ctx, []byte{0, 1, 0, 2}); err != nil || !reflect.DeepEqual(b, []byte{0, 1, 0, 2}) {
		t.Fatalf("Raw = %v, %v", b, err)
	}
	bag := edges.Bag{Grid: [][]string{{"a", "b"}, nil, {"c"}}, Blobs: [][]byte{{1}, {2, 3}}}
	if g, err := e.Grid(ctx, bag); err != nil || !reflect.DeepEqual(g, bag.Grid) {
		t.Fatalf("Grid = %q, %v", g, err)
	}
	one, three := int32(1), int32(3)
	maybe := []*int32{&one, nil, &three}
	bag.Maybe = &maybe
	if b, err := e.MaybeBag(ctx, &bag); err != nil || b == nil || !reflect.DeepEqual(*b, bag) {
		t.Fatalf("MaybeBag = %+v, %v", b, err)
	}
	if b, err := e.MaybeBag(ctx, nil); err != nil || b != nil {
		t.Fatalf("MaybeBag(nil) = %+v, %v", b, err)
	}
	if err := e.Nothing(ctx); err != nil {
		t.Fatal(err)
	}
	start := int64(10)
	if s, err := edges.Sum(ctx, []int64{1, 2, 3}, &start); err != nil || s != 16 {
		t.Fatalf("Sum = %d, %v", s, err)
	}
	if s, err := edges.Sum(ctx, nil, nil); err != nil || s != 0 {
		t.Fatalf("Sum() = %d, %v", s, err)
	}
}

func TestEdgesEvents(t *testing.T) {
	ctx, cancel := bg()
	defer cancel()
	e, err := edges.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got := make(chan any, 16)
	subs := []func() (*edges.Subscription, error){
		func() (*edges.Subscription, error) { return e.OnSaid(func(s string) { got <- s }) },
		func() (*edges.Subscription, error) { return e.OnBlob(func(b []byte) { got <- b }) },
		func() (*edges.Subscription, error) { return e.OnMoods(func(m []edges.Mood) { got <- m }) },
		func() (*edges.Subscription, error) { return e.OnMaybe(func(b *edges.Bag) { got <- b }) },
		func() (*edges.Subscription, error) { return e.OnMixed(func(m edges.MixedPayload) { got <- m }) },
	}
	for _, sub := range subs {
		s, err := sub()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
	}
	if err := e.Fire(ctx); err != nil {
		t.Fatal(err)
	}
	nine := []byte{9}
	want := []any{"hi", []byte{1, 2}, []edges.Mood{edges.MoodCalm, edges.MoodAngry}, (*edges.Bag)(nil),
		edges.MixedPayload{Values: []int64{1, 2}, Raw: &nine, Mood: edges.MoodAngry, Flag: true, Ratio: 0.5}}
	for i, w := range want {
		select {
		case g := <-got:
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("event %d = %#v, want %#v", i, g, w)
			}
		case <-time.After(wait):
			t.Fatalf("event %d missing", i)
		}
	}
}
