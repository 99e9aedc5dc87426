package ratelimit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// A 401/403 reported by one member stops the whole pool like an operator's pause, with its
// own kind and a reason naming the login and the key fingerprint. A worker that starts with the
// same credentials keeps the pool stopped; one that starts with other credentials (the config
// was fixed) clears the stop, and so does `worker resume`.
//
// Protects I4 (waiting is never failing: a wrong key stops the pool, jobs wait).
func TestAuthRefusalStopsPool(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ls := pool(t, srv, 2, testOptions(50, 2))
	testwait.Eventually(t, 5*time.Second, "2 members share", func() bool { return settled(ls, 2, 50) })
	ls[0].AuthRefused("merchant", "SHA256:old", 403)
	testwait.Eventually(t, 5*time.Second, "both members stopped", func() bool {
		for _, l := range ls {
			if _, ok := l.Paused(); !ok || l.Stats().PauseKind != ratelimit.PauseKindAuth {
				return false
			}
		}
		return true
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err := ls[1].Wait(ctx)
	cancel()
	if !errors.Is(err, ratelimit.ErrPaused) {
		t.Fatalf("Wait during the auth stop = %v, want ErrPaused", err)
	}
	ctl, err := ratelimit.OpenControl(context.Background(), connect(t, srv), "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ctl.Status(context.Background())
	if err != nil || !st.Paused || st.PauseKind != ratelimit.PauseKindAuth ||
		!strings.Contains(st.PauseReason, `"merchant"`) || !strings.Contains(st.PauseReason, "SHA256:old") {
		t.Fatalf("Status = %+v, %v", st, err)
	}

	if cleared, err := ls[1].ClearAuthStop(context.Background(), "merchant", "SHA256:old"); err != nil || cleared {
		t.Fatalf("the refused credentials cleared their own stop: %v, %v", cleared, err)
	}
	if cleared, err := ls[1].ClearAuthStop(context.Background(), "merchant", "SHA256:new"); err != nil || !cleared {
		t.Fatalf("new credentials did not clear the stop: %v, %v", cleared, err)
	}
	testwait.Eventually(t, 5*time.Second, "pool running", func() bool {
		_, a := ls[0].Paused()
		_, b := ls[1].Paused()
		return !a && !b
	})

	// An operator's pause is never cleared by a worker's credentials.
	if err := ctl.Pause(context.Background(), "maintenance"); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 5*time.Second, "paused", func() bool { _, ok := ls[0].Paused(); return ok })
	if cleared, err := ls[0].ClearAuthStop(context.Background(), "merchant", "SHA256:new"); err != nil || cleared {
		t.Fatalf("an operator's pause was cleared: %v, %v", cleared, err)
	}
	if st := ls[0].Stats(); st.PauseKind != ratelimit.PauseKindOperator || st.PauseReason != "maintenance" {
		t.Fatalf("stats %+v", st)
	}
	// An auth refusal during an operator's pause leaves the operator's pause in place.
	ls[0].AuthRefused("merchant", "SHA256:new", 401)
	if err := ctl.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, 5*time.Second, "resumed", func() bool { _, ok := ls[0].Paused(); return !ok })
}
