package submit_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"github.com/payrun/payrun/pkg/submit"
)

// freeAddr returns a loopback address nobody listens on (connection refused).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestConnectionRefusedIsRetryable(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	c, _ := newClient(t, "http://"+addr+"/paynet", func(o *submit.Options) { o.Backoff.MaxAttempts = 3 })
	_, err := c.Payout(context.Background(), payoutParams("ref-1", "1234567890"))
	e := asError(t, err)
	if !errors.Is(err, submit.ErrRetryable) || errors.Is(err, submit.ErrAmbiguous) || e.Attempts != 3 || e.HTTPStatus != 0 {
		t.Errorf("err %v (attempts %d)", err, e.Attempts)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("cause %v is not a dial error", e.Err)
	}
}

// startingLimiter starts the sandbox on addr when it is waited on for the nth time, so the
// first n-1 attempts meet a refused connection and the nth reaches the gateway.
type startingLimiter struct {
	t     *testing.T
	addr  string
	n     int
	waits atomic.Int64
	mu    sync.Mutex
	srv   *sandbox.Server
}

func (l *startingLimiter) Wait(context.Context) error {
	if int(l.waits.Add(1)) == l.n {
		srv, err := sandbox.Start(l.addr, sandbox.Options{PublicKey: mustPub(l.t), Login: login})
		if err != nil {
			return err
		}
		l.t.Cleanup(func() { srv.Close() })
		l.mu.Lock()
		l.srv = srv
		l.mu.Unlock()
	}
	return nil
}

func mustPub(t *testing.T) *rsa.PublicKey {
	_, pk := signertest.Key(t)
	return pk
}

func TestBackoffRetriesUnsentPayout(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	lim := &startingLimiter{t: t, addr: addr, n: 3}
	c, logs := newClient(t, "http://"+addr+"/paynet", func(o *submit.Options) { o.Limiter = lim })
	res, err := c.Payout(context.Background(), payoutParams("bo-1", "1234567890"))
	if err != nil {
		t.Fatalf("payout: %v\nlogs:\n%s", err, logs)
	}
	if res.Attempts != 3 || lim.waits.Load() != 3 {
		t.Errorf("attempts %d, limiter waits %d, want 3 and 3", res.Attempts, lim.waits.Load())
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if s := lim.srv.Stats(); s.RequestsByCall["payout"] != 1 || s.Orders != 1 || s.Duplicates != 0 {
		t.Errorf("sandbox stats %+v", s)
	}
}

func TestThrottled(t *testing.T) {
	t.Parallel()
	t.Run("retried after Retry-After", func(t *testing.T) {
		t.Parallel()
		srv := startSandbox(t, nil)
		srv.FailNth(sandbox.CallPayout, 1, sandbox.Fault429)
		pr := &pressure{}
		c, _ := newClient(t, srv.URL(), func(o *submit.Options) { o.Pressure = pr })
		start := time.Now()
		res, err := c.Payout(context.Background(), payoutParams("thr-1", "1234567890"))
		if err != nil || res.Attempts != 2 {
			t.Fatalf("payout %+v, %v", res, err)
		}
		if took := time.Since(start); took < time.Second {
			t.Errorf("retried after %s, before the 1s Retry-After", took)
		}
		if pr.count() != 1 || pr.waits[0] != time.Second {
			t.Errorf("pressure %v", pr.waits)
		}
		if srv.PayoutCount("thr-1") != 1 {
			t.Errorf("sandbox payouts %d", srv.PayoutCount("thr-1"))
		}
	})
	t.Run("Retry-After beyond the budget", func(t *testing.T) {
		t.Parallel()
		srv := startSandbox(t, func(o *sandbox.Options) { o.Faults.RetryAfter = 30 * time.Second })
		srv.FailNth(sandbox.CallPayout, 1, sandbox.Fault429)
		c, _ := newClient(t, srv.URL(), nil)
		_, err := c.Payout(context.Background(), payoutParams("thr-2", "1234567890"))
		e := asError(t, err)
		if !errors.Is(err, submit.ErrThrottled) || e.RetryAfter != 30*time.Second || e.Attempts != 1 || e.HTTPStatus != 429 {
			t.Errorf("err %v", err)
		}
		if s := srv.Stats(); s.Orders != 0 {
			t.Errorf("orders %d", s.Orders)
		}
	})
}

func TestStatusRetriesAndResigns(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, _ := newClient(t, srv.URL(), nil)
	ctx := context.Background()
	if _, err := c.Payout(ctx, payoutParams("st-1", "1234567890")); err != nil {
		t.Fatal(err)
	}
	// The first status request is verified (its nonce recorded) and then answered 502; the
	// retry only passes the replay check if it was signed afresh.
	srv.FailNth(sandbox.CallStatus, 1, sandbox.Fault5xxAfter)
	srv.FailNth(sandbox.CallStatus, 2, sandbox.FaultDropAfter)
	srv.FailNth(sandbox.CallStatus, 3, sandbox.Fault429)
	st, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: "st-1"})
	if err != nil || st.Status != "approved" || st.Attempts != 4 {
		t.Fatalf("status %+v, %v", st, err)
	}
	if s := srv.Stats(); s.AuthFailures["replayed_nonce"] != 0 || s.RequestsByCall["status"] != 4 {
		t.Errorf("sandbox stats %+v", s)
	}
}

func TestStatusTimeoutRetriedThenAmbiguous(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, func(o *sandbox.Options) { o.Faults.Latency = time.Second })
	c, _ := newClient(t, srv.URL(), func(o *submit.Options) { o.Timeout = 100 * time.Millisecond; o.Backoff.MaxAttempts = 2 })
	_, err := c.Status(context.Background(), submit.StatusQuery{ClientOrderID: "slow"})
	if e := asError(t, err); !errors.Is(err, submit.ErrAmbiguous) || e.Attempts != 2 {
		t.Errorf("err %v", err)
	}
}

// countingLimiter counts waits and fails from the failAt-th one on.
type countingLimiter struct {
	waits  atomic.Int64
	failAt int64
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	if l.waits.Add(1) >= l.failAt && l.failAt > 0 {
		return errors.New("paused")
	}
	return ctx.Err()
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	lim := &countingLimiter{}
	c, _ := newClient(t, srv.URL(), func(o *submit.Options) { o.Limiter = lim })
	ctx := context.Background()
	if _, err := c.Payout(ctx, payoutParams("lim-1", "1234567890")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: "lim-1"}); err != nil {
		t.Fatal(err)
	}
	if lim.waits.Load() != 2 {
		t.Errorf("limiter waited %d times, want 2 (one per HTTP request)", lim.waits.Load())
	}
	lim.failAt = 3
	_, err := c.Payout(ctx, payoutParams("lim-2", "1234567890"))
	e := asError(t, err)
	if !errors.Is(err, submit.ErrRetryable) || e.Attempts != 1 {
		t.Errorf("refused by limiter: %v", err)
	}
	if srv.PayoutCount("lim-2") != 0 {
		t.Error("a payout refused by the limiter reached the gateway")
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, nil)
	c, _ := newClient(t, srv.URL(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Payout(ctx, payoutParams("cx-1", "1234567890"))
	if !errors.Is(err, submit.ErrRetryable) || !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if srv.Stats().Requests != 0 {
		t.Error("a cancelled call reached the gateway")
	}
}
