package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/payrun/payrun/pkg/signer"
)

// Call names, used by FailNth and in Stats.RequestsByCall.
const (
	CallPayout = "payout"
	CallStatus = "status"
	callOther  = "other"
)

// BasePath is the path prefix of the API (the base URL ends in it).
const BasePath = "/paynet"

// Server is the sandbox gateway. It is an http.Handler; Start also serves it on loopback.
// Close stops the listener (if any) and waits for callbacks in flight.
type Server struct {
	opts     Options
	verifier *signer.Verifier
	mux      *http.ServeMux
	orders   *store
	faults   *faultPicker
	stats    *counters
	live     liveFaults

	ctx    context.Context // cancelled by Close; bounds callbacks
	cancel context.CancelFunc
	wg     sync.WaitGroup // callbacks in flight
	cbMu   sync.Mutex     // orders wg.Add against Close
	closed bool

	httpSrv *http.Server
	ln      net.Listener
	served  chan struct{}
	once    sync.Once
}

// New builds a sandbox from opts (see Options for what is required).
func New(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: o,
		verifier: signer.NewVerifier(o.PublicKey,
			signer.WithVerifierClock(o.Clock),
			signer.WithTimestampWindow(o.TimestampWindow)),
		mux:    http.NewServeMux(),
		orders: newStore(),
		faults: newFaultPicker(o.Faults),
		stats:  newCounters(),
	}
	s.live.latency = o.Faults.Latency
	if o.StoreFile != "" {
		if s.orders, err = openStore(o.StoreFile); err != nil {
			return nil, err
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux.HandleFunc("POST "+BasePath+"/api/v4/payout/{id}", s.api(CallPayout, s.payout))
	s.mux.HandleFunc("POST "+BasePath+"/api/v4/payout/group/{id}", s.api(CallPayout, s.payout))
	s.mux.HandleFunc("POST "+BasePath+"/api/v4/status/{id}", s.api(CallStatus, s.status))
	s.mux.HandleFunc("POST "+BasePath+"/api/v4/status/group/{id}", s.api(CallStatus, s.status))
	s.mux.HandleFunc(BasePath+"/", func(w http.ResponseWriter, r *http.Request) {
		s.stats.arrival(callOther, s.opts.Clock.Now())
		http.NotFound(w, r)
	})
	s.mux.HandleFunc("GET /sandbox/stats", s.serveStats)
	return s, nil
}

// Start builds a sandbox and serves it on addr (default "127.0.0.1:0", a free port). Only
// loopback addresses are accepted. Use URL for the client's base URL and Close to stop.
func Start(addr string, opts Options) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: start: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("sandbox: start: %q is not a loopback address", addr)
	}
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sandbox: start: %w", err)
	}
	s.ln = ln
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.httpSrv.Serve(ln)
	}()
	return s, nil
}

// URL returns the base URL ("http://127.0.0.1:PORT/paynet") of a started sandbox, "" if the
// sandbox was not started with Start.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String() + BasePath
}

// Close stops serving (when started with Start; connections in flight get up to 5s),
// cancels pending callback retries and waits for callbacks in flight. It is idempotent.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		if s.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err = s.httpSrv.Shutdown(ctx); err != nil {
				err = errors.Join(err, s.httpSrv.Close())
			}
			<-s.served
		}
		s.cbMu.Lock()
		s.closed = true
		s.cbMu.Unlock()
		s.cancel()
		s.wg.Wait()
		s.orders.mu.Lock()
		err = errors.Join(err, s.orders.j.close())
		s.orders.mu.Unlock()
	})
	return err
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot(s.opts.Clock.Now()) }

// PayoutCount returns how many payouts were committed with clientOrderID (more than 1 means
// duplicates).
func (s *Server) PayoutCount(clientOrderID string) int { return s.stats.payoutCount(clientOrderID) }

// Orders returns the sandbox's records of the orders committed with clientOrderID, oldest
// first (none: no payout reached the gateway; more than one: duplicates). Reading them is not a
// status lookup: no poll is counted and no callback is sent.
func (s *Server) Orders(clientOrderID string) []Order { return s.orders.ordersOf(clientOrderID) }

// MaxRequestsIn returns the highest number of API requests that arrived within any sliding
// window of length d (for rate-limit tests: MaxRequestsIn(time.Second) <= limit).
func (s *Server) MaxRequestsIn(d time.Duration) int { return s.stats.maxInWindow(d) }

// FailNth makes the nth request of call (CallPayout or CallStatus), counted from now (1 = the
// next one), fail with fault. Scheduled faults take precedence over the shares in Faults.
func (s *Server) FailNth(call string, n int, fault Fault) {
	s.faults.schedule(call, n, fault)
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s.Stats())
}
