package ratelimit_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/ratelimit"
)

// startServer runs an embedded JetStream server on a random loopback port.
func startServer(t testing.TB) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

// connect opens one client (one per simulated process).
func connect(t testing.TB, srv *server.Server) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return js
}

// testOptions are short periods so membership changes settle in well under a second.
func testOptions(rate float64, burst int) ratelimit.Options {
	return ratelimit.Options{
		Rate:      rate,
		Burst:     burst,
		Heartbeat: 100 * time.Millisecond,
		DeadAfter: 600 * time.Millisecond,
	}
}

// pool starts n limiters, each on its own connection, closed at cleanup.
func pool(t testing.TB, srv *server.Server, n int, o ratelimit.Options) []*ratelimit.Limiter {
	t.Helper()
	ls := make([]*ratelimit.Limiter, n)
	for i := range ls {
		ls[i] = newLimiter(t, connect(t, srv), o)
	}
	return ls
}

func newLimiter(t testing.TB, js jetstream.JetStream, o ratelimit.Options) *ratelimit.Limiter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := ratelimit.New(ctx, js, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// settled reports whether every limiter is admitted, counts n members, and the rates sum to r.
func settled(ls []*ratelimit.Limiter, n int, r float64) bool {
	sum := 0.0
	for _, l := range ls {
		st := l.Stats()
		if !st.Active || st.Members != n {
			return false
		}
		sum += st.Rate
	}
	return sum > r-1e-6 && sum < r+1e-6
}

// grants records the time of every granted token.
type grants struct {
	mu sync.Mutex
	at []time.Time
}

func (g *grants) add(t time.Time) {
	g.mu.Lock()
	g.at = append(g.at, t)
	g.mu.Unlock()
}

func (g *grants) sorted() []time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := append([]time.Time(nil), g.at...)
	sort.Slice(s, func(i, j int) bool { return s[i].Before(s[j]) })
	return s
}

// between counts grants in [from, to).
func (g *grants) between(from, to time.Time) int {
	n := 0
	for _, t := range g.sorted() {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

// maxWindow is the largest number of grants in any half-open window of length w.
func maxWindow(ts []time.Time, w time.Duration) int {
	ts = append([]time.Time(nil), ts...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, j := 0, 0
	for i := range ts {
		for j < len(ts) && ts[j].Sub(ts[i]) < w {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// drive runs workers goroutines calling Wait on l until ctx ends, recording every grant.
func drive(ctx context.Context, wg *sync.WaitGroup, l *ratelimit.Limiter, workers int, g *grants) {
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l.Wait(ctx) == nil {
				g.add(time.Now())
			}
		}()
	}
}
