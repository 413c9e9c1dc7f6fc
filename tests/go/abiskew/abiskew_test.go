// The Go binding's ABI check against a library built from another IDL:
// package mytimer here is generated from tests/e2e/abi_skew.ffi (one field
// more in TimerConfig) and linked against the real libmy_timer.so, so Create
// must fail with the mismatch error instead of calling the export.
package ffirtgoabiskew

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"mytimer"
)

func TestCreateFailsOnABIMismatch(t *testing.T) {
	tm, err := mytimer.Create(context.Background(), mytimer.TimerConfig{Name: "skew", Tick: 1})
	if err == nil {
		tm.Close()
		t.Fatal("Create succeeded against a library built from another IDL")
	}
	var e *mytimer.Error
	if !errors.As(err, &e) {
		t.Fatalf("Create: %v (%T), want an *mytimer.Error", err, err)
	}
	prefix := fmt.Sprintf("ABI mismatch: this package was generated with fingerprint %016x, "+
		"the loaded library has ", mytimer.ABIFingerprint)
	const suffix = "; regenerate the binding"
	if !strings.HasPrefix(e.Message, prefix) || !strings.HasSuffix(e.Message, suffix) {
		t.Fatalf("Create: %q, want %q<library's fingerprint>%q", e.Message, prefix, suffix)
	}
	hex := strings.TrimSuffix(strings.TrimPrefix(e.Message, prefix), suffix)
	lib, perr := strconv.ParseUint(hex, 16, 64)
	if len(hex) != 16 || perr != nil || lib == mytimer.ABIFingerprint {
		t.Fatalf("the library's fingerprint in %q is not 16 hex digits of another value", e.Message)
	}
	if !strings.HasPrefix(err.Error(), "mytimer: ABI mismatch") {
		t.Fatalf("Error() = %q", err.Error())
	}
	if again := mytimer.CheckABI(); again != err {
		t.Fatalf("CheckABI() = %v, want the same error as Create", again)
	}
}
