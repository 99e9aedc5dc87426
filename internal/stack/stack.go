package stack

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/seal"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/submit"
)

// Stack is everything a running worker holds: the embedded server and the sandbox when
// configured, the NATS connection with its provisioned streams and buckets, the pool-wide
// limiter, the gateway client and the payout pool. Close releases it in reverse order of
// dependency: limiter (deregisters), gateway connections, NATS, sandbox, embedded server.
type Stack struct {
	cfg      config.Config // as used: the sandbox and embedded server fill in URLs
	log      zerolog.Logger
	reg      *prometheus.Registry
	embedded *queue.EmbeddedServer
	sandbox  *sandbox.Server
	nc       *nats.Conn
	ncp      atomic.Pointer[nats.Conn] // nc, for the metrics scraped while it is being set
	js       jetstream.JetStream
	handles  *queue.Handles
	watch    *queue.ClusterWatch
	lim      *ratelimit.Limiter
	client   *submit.Client
	pool     *payout.Pool
	keys     dataKeys
}

// Options adjust Build; the zero value is production's.
type Options struct {
	Embedded        *queue.EmbeddedServer // already started (the demo's); owned by the stack from now on
	Keys            *seal.Keyring         // the demo's ephemeral data key; nil: security.data_key_file or the sandbox's
	ProcessingPolls int                   // the built-in sandbox's "processing" answers per order
	Registry        *prometheus.Registry  // already served on /metrics; nil: a new one
}

// Build starts (in this order) the embedded server, the sandbox, the NATS connection,
// provisioning, the limiter, the gateway client and the pool (not yet running: Run). cfg must
// have passed CheckConfig. Build retries provisioning while NATS is unreachable, until ctx ends.
// On error it releases what it started.
func Build(ctx context.Context, cfg config.Config, log zerolog.Logger, so Options) (_ *Stack, err error) {
	s := &Stack{cfg: cfg, log: log, reg: so.Registry, embedded: so.Embedded}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.registerProcessMetrics()

	s.keys.keys = so.Keys
	if so.Keys == nil {
		if s.keys, err = loadDataKeys(&s.cfg, component(log, "datakey")); err != nil {
			return nil, err
		}
	}
	if s.embedded == nil && cfg.Worker.Embedded {
		eo, err := embeddedOptions(cfg)
		if err != nil {
			return nil, err
		}
		if err := s.keys.storeKeys(&eo); err != nil {
			return nil, err
		}
		if s.embedded, err = queue.StartEmbedded(eo); err != nil {
			return nil, err
		}
		log.Info().Str("component", "nats-embedded").Str("url", s.embedded.ClientURL()).Str("store_dir", s.embedded.StoreDir()).
			Bool("store_encrypted", eo.StoreKey != "").Msg("embedded JetStream server started (sync_interval: always)")
	}

	var key *rsa.PrivateKey
	if s.cfg.Worker.Sandbox {
		var created bool
		if s.sandbox, key, created, err = startSandbox(&s.cfg, so.ProcessingPolls); err != nil {
			return nil, err
		}
		msg := "built-in sandbox gateway started with a generated key"
		if !created {
			msg = "built-in sandbox gateway started with its stored key and orders"
		}
		log.Info().Str("component", "sandbox").Str("url", s.cfg.Gateway.URL).Str("login", s.cfg.Gateway.Login).
			Str("store_dir", s.cfg.Worker.StoreDir).Msg(msg)
	} else {
		var warnings []string
		key, warnings, err = signer.LoadPrivateKeyFile(cfg.Gateway.PrivateKeyFile)
		for _, w := range warnings {
			log.Warn().Str("component", "signer").Str("file", cfg.Gateway.PrivateKeyFile).Msg(w)
		}
		if err != nil {
			return nil, cfg.KeyError("gateway.private_key_file", "%v", err)
		}
		if len(cfg.Gateway.NotFoundCodes) == 0 {
			log.Warn().Str("component", "submit").
				Msg("gateway.not_found_codes is empty: no status lookup can prove that an order does not exist, so a payout whose outcome is unknown ends unresolved instead of being sent again (docs/gateway.md)")
		}
		if u, err := url.Parse(cfg.Gateway.URL); err == nil && u.Scheme == "http" && cfg.Gateway.AllowInsecureHTTP {
			log.Warn().Str("component", "submit").Str("gateway", u.Host).
				Msg("INSECURE: plain http:// gateway (gateway.allow_insecure_http): card data and signed requests cross the network in clear")
		}
	}
	sign, err := signer.New(key, s.cfg.Gateway.Login)
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}

	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	s.reportSync(ctx)

	lo := LimiterOptions(s.cfg)
	lo.KV, lo.Registerer = s.handles.RateLimit, s.reg
	lo.Log = log // pkg/ratelimit adds its component and member id
	if s.lim, err = ratelimit.New(ctx, s.js, lo); err != nil {
		return nil, err
	}
	// A pool stopped because the gateway refused other credentials runs again once a worker
	// starts with these (the config was fixed); the same credentials keep it stopped.
	rlog := component(log, "ratelimit")
	if cleared, err := s.lim.ClearAuthStop(ctx, s.cfg.Gateway.Login, sign.KeyFingerprint()); err != nil {
		rlog.Warn().Err(err).Msg("could not check the pool's auth stop")
	} else if cleared {
		rlog.Info().Str("login", s.cfg.Gateway.Login).Str("key_fingerprint", sign.KeyFingerprint()).
			Msg("the pool was stopped for other gateway credentials; resumed with these")
	}

	sopts := submitOptions(s.cfg)
	sopts.Limiter, sopts.Pressure, sopts.Auth, sopts.Log = ratelimit.RequestLimiter{Lim: s.lim}, s.lim, s.lim, log
	// pkg/submit adds its own component, like pkg/ratelimit.
	if s.client, err = submit.NewClient(sopts, sign); err != nil {
		return nil, err
	}
	s.pool, err = payout.NewPool(s.cfg.PayoutOptions(), payout.Deps{
		JS:         s.js,
		Gateway:    prepaidGateway{payout.SubmitGateway(s.client)},
		Classify:   payout.ClassifySubmitError,
		Limiter:    ratelimit.HoldLimiter{Lim: s.lim, Hold: holdFor(s.cfg)},
		Keys:       openerOf(s.keys.keys),
		Log:        component(log, "payout"),
		Registerer: s.reg,
	})
	return s, err
}

// connect opens the NATS connection and provisions the streams, consumer and buckets,
// retrying while NATS is unreachable until ctx ends (a worker may start before its server).
func (s *Stack) connect(ctx context.Context) error {
	log := component(s.log, "nats")
	co := s.cfg.ConnectOptions("payrun-worker", log)
	co.RetryOnFailedConnect = true
	url := queue.RedactURL(s.cfg.NATS.URL)
	nc, err := queue.Connect(ctx, co)
	if err != nil {
		return err
	}
	s.nc = nc
	s.ncp.Store(nc)
	if !nc.IsConnected() { // said at once, not after the first provisioning timeout
		ev := log.Warn().Str("url", url)
		if lerr := nc.LastError(); lerr != nil {
			ev = ev.Err(lerr)
		}
		ev.Msg("NATS not reachable: retrying in the background (/readyz: waiting for NATS)")
	}
	if s.js, err = queue.NewJetStream(nc, s.reg); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	wait := 250 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		s.handles, err = queue.Provision(pctx, s.js, s.cfg.QueueNames(), queueSettings(s.cfg))
		cancel()
		if err == nil {
			if s.watch, err = queue.WatchCluster(nc, s.cfg.QueueNames(), log, s.reg); err != nil {
				return err
			}
			log.Info().Str("url", url).Str("server", nc.ConnectedUrlRedacted()).Str("server_name", nc.ConnectedServerName()).
				Str("cluster", nc.ConnectedClusterName()).Int("replicas", s.handles.Replicas).Msg("NATS connected and provisioned")
			return nil
		}
		if !queue.IsUnavailable(err) && !errors.Is(err, context.DeadlineExceeded) {
			return err // a mismatch or a refusal: retrying will not help
		}
		msg := "NATS not reachable yet: provisioning again"
		if nc.IsConnected() {
			msg = "JetStream not answering yet (a cluster electing its leaders?): provisioning again"
		}
		log.Warn().Err(err).Str("url", url).Str("server_name", nc.ConnectedServerName()).Dur("retry_in_ms", wait).Msg(msg)
		select {
		case <-ctx.Done():
			return fmt.Errorf("provision: %w (last error: %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// reportSync logs the JetStream server's fsync setting at start: an error with a real gateway and
// a server known not to fsync every write (see queue.Sync.Verdict).
func (s *Stack) reportSync(ctx context.Context) {
	var sync queue.Sync
	if s.embedded != nil {
		sync = s.embedded.Sync()
	} else {
		sync = queue.ServerSync(ctx, s.nc)
	}
	level, msg := sync.Verdict(!s.cfg.Worker.Sandbox)
	s.log.WithLevel(level).Str("component", "nats").Str("jetstream_sync", sync.String()).Str("learned_from", sync.Source).Msg(msg)
}

// conn is the NATS connection once connect has opened it, else nil; safe from any goroutine.
func (s *Stack) conn() *nats.Conn { return s.ncp.Load() }

// Close releases everything Build started, in reverse order. Safe on a partial stack. Run must
// have returned.
func (s *Stack) Close() {
	if s.lim != nil {
		if err := s.lim.Close(); err != nil {
			s.log.Warn().Str("component", "ratelimit").Err(err).Msg("leaving the pool")
		}
	}
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	if s.watch != nil {
		s.watch.Close()
	}
	if s.nc != nil {
		if err := s.nc.FlushTimeout(2 * time.Second); err != nil && s.nc.IsConnected() {
			s.log.Warn().Str("component", "nats").Err(err).Msg("flush before close")
		}
		s.nc.Close()
	}
	if s.sandbox != nil {
		_ = s.sandbox.Close()
	}
	if s.embedded != nil {
		s.embedded.Shutdown()
	}
	s.keys.close()
}

// Run runs the pool until ctx ends, then stops it in order (no new jobs; in-flight ones finish
// or are handed back within worker.shutdown_timeout). A pool that stops on its own before ctx
// ends (it could not bind the consumer) is a runtime error.
func (s *Stack) Run(ctx context.Context) error {
	if err := s.pool.Run(ctx); err != nil {
		return fmt.Errorf("pool: %w", err)
	}
	if ctx.Err() == nil {
		return errors.New("pool: stopped unexpectedly")
	}
	return nil
}

// prepaidGateway marks every gateway call's context ratelimit.WithPrepaid: the pool took the
// call's first token (ratelimit.HoldLimiter) before the ledger write that precedes the call.
type prepaidGateway struct{ gw payout.Gateway }

func (p prepaidGateway) Payout(ctx context.Context, params []job.Param) (payout.Reply, error) {
	return p.gw.Payout(ratelimit.WithPrepaid(ctx), params)
}

func (p prepaidGateway) Status(ctx context.Context, q payout.StatusQuery) (payout.StatusReply, error) {
	return p.gw.Status(ratelimit.WithPrepaid(ctx), q)
}
