package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/health"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// pauseViewer is what readiness needs from the pool-wide limiter (*ratelimit.Limiter).
type pauseViewer interface{ Stats() ratelimit.Stats }

// pauseCheck is /readyz's view of a pause: a pool that cannot pay is not ready. An auth stop
// (the gateway refused the pool's credentials) says so with the login and key fingerprint; an
// operator's pause with its reason. The limiter's local view decides (no NATS round trip).
func pauseCheck(lim pauseViewer) health.Check {
	return func(context.Context) error {
		st := lim.Stats()
		switch {
		case !st.Paused:
			return nil
		case st.PauseKind == ratelimit.PauseKindAuth:
			return fmt.Errorf("pool stopped: %s", st.PauseReason)
		}
		return fmt.Errorf("pool paused: %s", st.PauseReason)
	}
}

// opsServer serves /metrics, /healthz, /readyz and, when a control key is configured, the
// gateway's server callbacks on /callback.
type opsServer struct {
	srv    *http.Server
	addr   net.Addr
	served chan error
}

// newOpsMux routes the endpoints; callback may be nil (no /callback).
func newOpsMux(reg *prometheus.Registry, ready *health.Checker, callback http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	if callback != nil {
		mux.Handle("/callback", callback)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	ready.Register(mux, 2*time.Second)
	return mux
}

// startOps listens on addr and serves in the background; the bound address is logged (port 0
// picks a free one).
func startOps(addr string, reg *prometheus.Registry, ready *health.Checker, callback http.Handler, log zerolog.Logger) (*opsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http_addr: listen %s: %w", addr, err)
	}
	o := &opsServer{
		srv: &http.Server{
			Handler:           newOpsMux(reg, ready, callback),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       time.Minute,
		},
		addr:   ln.Addr(),
		served: make(chan error, 1),
	}
	go func() { o.served <- o.srv.Serve(ln) }()
	log.Info().Str("addr", o.addr.String()).Bool("callback", callback != nil).Msg("http listening (/metrics, /healthz, /readyz)")
	return o, nil
}

// shutdown stops accepting, lets requests in flight finish within timeout, then closes.
func (o *opsServer) shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := o.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, o.srv.Close())
	}
	if serr := <-o.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
