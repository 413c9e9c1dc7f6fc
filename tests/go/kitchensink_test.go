package ffirtgotest

// Every IDL type shape through the generated Go conversions, both ways:
// the kitchen_sink library (tests/gen/kitchen_sink.ffi) echoes its
// arguments back and emits events with their copies.

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"kitchensink"
)

func kitchenValues() (kitchensink.Scalars, kitchensink.Containers) {
	s := kitchensink.Scalars{
		Flag: true, I8v: math.MinInt8, I16v: math.MinInt16, I32v: math.MinInt32,
		I64v: math.MinInt64, U8v: math.MaxUint8, U16v: math.MaxUint16, U32v: math.MaxUint32,
		U64v: math.MaxUint64, F32v: 1.5, F64v: math.Pi, Text: "héllo", Blob: []byte{0, 1, 2},
		Color: kitchensink.ColorViolet,
	}
	name, nums, fav := "n", []int64{1, -2}, kitchensink.ColorBlue
	c := kitchensink.Containers{
		Points:       []kitchensink.Point{{X: 1, Y: 2}, {X: -3, Y: 4}},
		Origin:       &kitchensink.Point{X: 5, Y: 6},
		MaybeNames:   []*string{&name, nil},
		MaybeNumbers: &nums,
		Colors:       []kitchensink.Color{kitchensink.ColorRed, kitchensink.ColorBlack},
		Favourite:    &fav,
		Blobs:        [][]byte{{1}, {2, 3}},
		Nothing:      &kitchensink.Empty{},
	}
	return s, c
}

func TestKitchenSinkRoundTrips(t *testing.T) {
	ctx, cancel := bg()
	defer cancel()
	k, err := kitchensink.Create(ctx, kitchensink.Config{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	s, c := kitchenValues()
	if got, err := k.EchoScalars(ctx, s); err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("EchoScalars = %+v, %v\nwant %+v", got, err, s)
	}
	if got, err := k.EchoContainers(ctx, c); err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("EchoContainers = %+v, %v\nwant %+v", got, err, c)
	}
	e := kitchensink.Everything{Scalars: s, Containers: c,
		Children: []kitchensink.Everything{{Scalars: s}, {Containers: c}}}
	e.Children[0].Scalars.Blob = []byte{9}
	e.Children[1].Scalars.Blob = []byte{8}
	if got, err := k.EchoEverything(ctx, e); err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("EchoEverything = %+v, %v\nwant %+v", got, err, e)
	}
	// Parameters of every kind, flattened (kitchen.c names a mismatch).
	eight := int64(8)
	if err := k.SetMany(ctx, 1, "two", []byte{3}, kitchensink.ColorBlue, kitchensink.Point{X: 4, Y: 5},
		[]string{"six", "seven"}, &eight); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	if err := k.SetMany(ctx, 2, "two", []byte{3}, kitchensink.ColorBlue, kitchensink.Point{}, nil, nil); err == nil {
		t.Fatal("SetMany with a = 2 succeeded")
	}
	// Results of every kind.
	n1, err1 := k.Counter(ctx)
	n2, err2 := k.Counter(ctx)
	if err1 != nil || err2 != nil || n2 != n1+1 {
		t.Fatalf("Counter %d, %d (%v, %v)", n1, n2, err1, err2)
	}
	nested, err := k.Nested(ctx)
	if err != nil || len(nested) != 3 || *nested[0] != "a" || nested[1] != nil || *nested[2] != "c" {
		t.Fatalf("Nested = %v, %v", nested, err)
	}
	blob, err := k.MaybeBlob(ctx)
	if err != nil || blob == nil || !reflect.DeepEqual(*blob, []byte{1, 2, 3}) {
		t.Fatalf("MaybeBlob = %v, %v", blob, err)
	}
	// Statics are package functions.
	if v, err := kitchensink.LibVersion(ctx); err != nil || v != "kitchen v1" {
		t.Fatalf("LibVersion = %q, %v", v, err)
	}
	if v, err := kitchensink.Add(ctx, 2, -5); err != nil || v != -3 {
		t.Fatalf("Add = %d, %v", v, err)
	}
	if err := kitchensink.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// Enums, constants.
	if kitchensink.ColorViolet.String() != "ultra-violet" || kitchensink.ColorGreen.String() != "GREEN" ||
		kitchensink.Color(99).String() != "Color(99)" {
		t.Fatal("Color.String")
	}
	if kitchensink.MaxU64 != math.MaxUint64 || kitchensink.MinI64 != math.MinInt64 ||
		kitchensink.Greeting != "hello \"sink\"\\\n\té" || kitchensink.Half != 0.5 {
		t.Fatal("constants")
	}
	// An enum value without an enumerator is refused by the library.
	bad := s
	bad.Color = 99
	var le *kitchensink.Error
	if _, err := k.EchoScalars(ctx, bad); !errors.As(err, &le) {
		t.Fatalf("EchoScalars with Color 99: %v", err)
	}
}

func TestKitchenSinkEvents(t *testing.T) {
	ctx, cancel := bg()
	defer cancel()
	k, err := kitchensink.Create(ctx, kitchensink.Config{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	s, c := kitchenValues()
	e := kitchensink.Everything{Scalars: s, Containers: c}
	everything := make(chan kitchensink.Everything, 1)
	pairs := make(chan kitchensink.PairSeenPayload, 1)
	ticks := make(chan uint64, 1)
	any := make(chan kitchensink.Event, 8)
	for _, sub := range []func() (*kitchensink.Subscription, error){
		func() (*kitchensink.Subscription, error) {
			return k.OnEverything(func(v kitchensink.Everything) { everything <- v })
		},
		func() (*kitchensink.Subscription, error) {
			return k.OnPairSeen(func(v kitchensink.PairSeenPayload) { pairs <- v })
		},
		func() (*kitchensink.Subscription, error) { return k.OnTick(func(v uint64) { ticks <- v }) },
		func() (*kitchensink.Subscription, error) {
			return k.OnAny(func(v kitchensink.Event) {
				if v.Type != kitchensink.EventNotResponding && v.Type != kitchensink.EventResponding {
					any <- v
				}
			})
		},
	} {
		s, err := sub()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
	}
	if err := k.EmitAll(ctx, e); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(wait)
	select {
	case got := <-everything:
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("on_everything %+v", got)
		}
	case <-timeout:
		t.Fatal("no on_everything")
	}
	select {
	case got := <-pairs:
		if got.Name != "pair" || got.Count != 42 || got.Where == nil || *got.Where != (kitchensink.Point{X: -1, Y: 2}) {
			t.Fatalf("pair_seen %+v", got)
		}
	case <-timeout:
		t.Fatal("no pair_seen")
	}
	select {
	case got := <-ticks:
		if got != 7 {
			t.Fatalf("tick %d", got)
		}
	case <-timeout:
		t.Fatal("no tick")
	}
	var types []string
	for len(types) < 3 {
		select {
		case v := <-any:
			types = append(types, v.Type)
			if v.Type == "tick" && v.Payload != uint64(7) {
				t.Fatalf("OnAny tick payload %#v", v.Payload)
			}
			if v.Type == "on_everything" && !reflect.DeepEqual(v.Payload, e) {
				t.Fatalf("OnAny on_everything payload %#v", v.Payload)
			}
		case <-timeout:
			t.Fatalf("OnAny got %v", types)
		}
	}
	if !reflect.DeepEqual(types, []string{"on_everything", "pair_seen", "tick"}) {
		t.Fatalf("OnAny order %v", types)
	}
}

func TestKitchenSinkFailedConstructor(t *testing.T) {
	ctx, cancel := bg()
	defer cancel()
	_, err := kitchensink.Create(ctx, kitchensink.Config{Name: "fail"})
	var e *kitchensink.Error
	if !errors.As(err, &e) || e.Message != "refusing to create a kitchen named fail" {
		t.Fatalf("Create(fail) = %v", err)
	}
}
