package queue

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// ErrUnavailable is wrapped by errors that mean "NATS cannot be reached" (no server, connection
// closed, request timed out, JetStream not answering). A caller can retry later.
var ErrUnavailable = errors.New("nats unavailable")

// ConnectOptions configure a client connection. Zero values get the documented defaults.
type ConnectOptions struct {
	URL  string // comma-separated server URLs; default nats://127.0.0.1:4222
	Name string // connection name shown by the server (e.g. "payrun-enqueue")

	// Authentication: at most one of CredsFile, NKeyFile, User/Password, Token.
	CredsFile string // JWT + nkey .creds file
	NKeyFile  string // nkey seed file
	User      string
	Password  string
	Token     string

	// TLS: CAFile verifies the server; CertFile+KeyFile present a client certificate.
	CAFile   string
	CertFile string
	KeyFile  string

	ConnectTimeout  time.Duration // one dial attempt; default 5s
	ReconnectWait   time.Duration // between reconnect attempts; default 1s
	ReconnectJitter time.Duration // random extra wait; default 500ms
	PingInterval    time.Duration // keep-alive ping; default 20s (a dead server is noticed within ~2 pings)
	// MaxReconnects: 0 means the default, unlimited (-1). A long outage must not end a worker.
	MaxReconnects int
	// RetryOnFailedConnect keeps trying in the background when the first connect fails (workers);
	// without it Connect fails fast with ErrUnavailable (enqueue).
	RetryOnFailedConnect bool

	Log zerolog.Logger // disconnects, reconnects and async errors are logged here
}

// DefaultURL is the server URL used when ConnectOptions.URL is empty.
const DefaultURL = "nats://127.0.0.1:4222"

func (o ConnectOptions) natsOptions() ([]nats.Option, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.ConnectTimeout, 5*time.Second)
	def(&o.ReconnectWait, time.Second)
	def(&o.ReconnectJitter, 500*time.Millisecond)
	def(&o.PingInterval, 20*time.Second)
	if o.MaxReconnects == 0 {
		o.MaxReconnects = -1
	}
	log := o.Log
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.Timeout(o.ConnectTimeout),
		nats.MaxReconnects(o.MaxReconnects),
		nats.ReconnectWait(o.ReconnectWait),
		nats.ReconnectJitter(o.ReconnectJitter, o.ReconnectJitter),
		nats.PingInterval(o.PingInterval),
		nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if deliberateClose(nc, err) {
				log.Debug().Msg("nats disconnected: connection closed by this process")
				return
			}
			ev := log.Warn().Str("server", nc.ConnectedUrlRedacted())
			if err != nil {
				ev = ev.Err(err)
			}
			ev.Msg("nats disconnected")
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info().Str("server", nc.ConnectedUrlRedacted()).Str("server_name", nc.ConnectedServerName()).
				Uint64("reconnects", nc.Reconnects).Msg("nats reconnected")
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil { // given up: reconnects exhausted, auth failure, ...
				log.Error().Err(err).Msg("nats connection closed")
				return
			}
			log.Debug().Msg("nats connection closed")
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			ev := log.Error().Err(err)
			if sub != nil {
				ev = ev.Str("subject", sub.Subject)
			}
			ev.Msg("nats async error")
		}),
	}
	if o.RetryOnFailedConnect {
		opts = append(opts, nats.RetryOnFailedConnect(true))
	}
	auth := 0
	if o.CredsFile != "" {
		auth++
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NKeyFile != "" {
		auth++
		opt, err := nats.NkeyOptionFromSeed(o.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("queue: connect: nkey file: %w", err)
		}
		opts = append(opts, opt)
	}
	if o.User != "" || o.Password != "" {
		auth++
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.Token != "" {
		auth++
		opts = append(opts, nats.Token(o.Token))
	}
	if auth > 1 {
		return nil, errors.New("queue: connect: use only one of creds file, nkey file, user/password, token")
	}
	if o.CAFile != "" {
		opts = append(opts, nats.RootCAs(o.CAFile))
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("queue: connect: TLS client certificate needs both cert file and key file")
	}
	if o.CertFile != "" {
		opts = append(opts, nats.ClientCert(o.CertFile, o.KeyFile))
	}
	return opts, nil
}

// deliberateClose tells a disconnect caused by this process's Close (no error, the connection
// closed, no error recorded) from a lost connection. nats.go closes a connection on its own only
// after recording why (no servers left, stale connection, a server error), so LastError is set then.
func deliberateClose(nc *nats.Conn, err error) bool {
	return err == nil && nc.IsClosed() && nc.LastError() == nil
}

// Connect opens a client connection with unlimited reconnects (unless MaxReconnects says
// otherwise), reconnect wait with jitter, keep-alive pings and logging of connection events.
// Failing to reach any server returns an error wrapping ErrUnavailable.
func Connect(ctx context.Context, o ConnectOptions) (*nats.Conn, error) {
	opts, err := o.natsOptions()
	if err != nil {
		return nil, err
	}
	servers := o.URL
	if servers == "" {
		servers = DefaultURL
	}
	type result struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(servers, opts...)
		ch <- result{nc, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("queue: connect %s: %w", redactURL(servers), wrapUnavailable(r.err))
		}
		return r.nc, nil
	case <-ctx.Done():
		go func() { // close the connection if it still comes up
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, fmt.Errorf("queue: connect %s: %w", redactURL(servers), ctx.Err())
	}
}

// RedactURL hides passwords and tokens embedded in server URLs (comma-separated), for logs and
// messages.
func RedactURL(u string) string { return redactURL(u) }

// redactURL hides passwords and tokens embedded in server URLs (comma-separated).
func redactURL(u string) string {
	parts := strings.Split(u, ",")
	for i, p := range parts {
		if pu, err := url.Parse(strings.TrimSpace(p)); err == nil && pu.User != nil {
			pu.User = url.User("***")
			parts[i] = pu.String()
		}
	}
	return strings.Join(parts, ",")
}

// wrapUnavailable marks connection-level failures with ErrUnavailable.
func wrapUnavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	switch {
	case errors.Is(err, nats.ErrNoServers),
		errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrReconnectBufExceeded), // publishing during an outage, buffer full
		errors.Is(err, nats.ErrStaleConnection),
		errors.Is(err, nats.ErrTimeout),
		errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// IsUnavailable reports whether err means NATS could not be reached (errors.Is(err, ErrUnavailable)
// or a connection-level nats error).
func IsUnavailable(err error) bool { return errors.Is(wrapUnavailable(err), ErrUnavailable) }
