package submit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Limiter is asked before every HTTP request (payout and status, retries included). It blocks
// until the request may go out or returns an error (typically the context's); the call then
// fails at once, without retries, with ErrRetryable wrapping that error: nothing was sent.
type Limiter interface {
	Wait(ctx context.Context) error
}

// PressureReporter is told about every HTTP answer of the gateway, so that a pool-wide limiter
// can adapt its rate: Pressure for a 429 or 503 with the parsed Retry-After (zero when absent),
// Answered for any other status (200, 4xx, 500, 502, 504, ...: one call's outcome, not the
// gateway asking for less). A request without an answer (timeout, reset) reports nothing.
type PressureReporter interface {
	Pressure(retryAfter time.Duration)
	Answered()
}

// AuthReporter is told about every 401/403 answer, with the merchant login and the signing
// key's fingerprint (signer.KeyFingerprint, never the key): the gateway refused the pool's
// credentials, which no retry fixes, so a pool-wide limiter can stop every worker from sending.
type AuthReporter interface {
	AuthRefused(login, keyFingerprint string, httpStatus int)
}

// Backoff configures the exponential backoff with jitter used for calls that are safe to
// repeat. Zero fields take the defaults.
type Backoff struct {
	// Initial is the first wait (default 200ms).
	Initial time.Duration
	// Max caps one wait (default 5s).
	Max time.Duration
	// MaxElapsed caps the total time spent retrying one call (default 30s; a negative value
	// means no retries at all).
	MaxElapsed time.Duration
	// MaxAttempts caps the HTTP requests of one call (0: no cap besides MaxElapsed).
	MaxAttempts int
	// Multiplier (default 2) and RandomizationFactor (jitter, default 0.5) as in
	// cenkalti/backoff/v4.
	Multiplier, RandomizationFactor float64
}

// Options configures a Client. BaseURL, Login and exactly one of EndpointID and
// EndpointGroupID are required; every other field has a default.
type Options struct {
	// BaseURL is the gateway base, e.g. "https://sandbox.connpay.com/paynet" (no query; a
	// trailing slash is dropped). Calls go to BaseURL + "/api/v4/payout/{id}" etc.
	BaseURL string
	// EndpointID targets /payout/{id} and /status/{id}; EndpointGroupID targets the
	// /group/{id} paths. Set exactly one.
	EndpointID, EndpointGroupID string
	// Login is the merchant login sent as `login` in status calls.
	Login string

	// Timeout bounds one HTTP attempt, response body included (default 30s).
	Timeout time.Duration
	// DialTimeout bounds connecting (default 10s).
	DialTimeout time.Duration
	// KeepAlive is the TCP keep-alive period (default 30s); IdleConnTimeout closes idle
	// pooled connections (default 90s). DisableKeepAlives opens a connection per request.
	KeepAlive, IdleConnTimeout time.Duration
	DisableKeepAlives          bool
	// MaxConnsPerHost caps connections to the gateway (default 0: no cap);
	// MaxIdleConnsPerHost caps pooled idle ones (default 16).
	MaxConnsPerHost, MaxIdleConnsPerHost int
	// Transport replaces the HTTP transport built from the fields above (tests, proxies). The
	// built one speaks HTTP/1.1 only; a replacement that speaks HTTP/2 may re-send a payout
	// on its own (see httpClient), so give it HTTP/1.1 only too.
	Transport http.RoundTripper

	// MaxBodyBytes bounds a response body (default DefaultMaxBodyBytes); a longer one is an
	// unusable answer (ErrAmbiguous).
	MaxBodyBytes int64
	// Backoff configures retries of calls that are safe to repeat.
	Backoff Backoff
	// Treat429AsAmbiguous classifies a 429 to a payout as ErrAmbiguous (never re-sent)
	// instead of ErrThrottled ("not processed", re-sent after Retry-After). Default false.
	Treat429AsAmbiguous bool

	// NotFoundCodes are the gateway's error-code values that mean "no such order" in a status
	// answer (validation-error or error, without paynet-order-id, to a query without OrderID).
	// Only such an answer is ErrNotFound, the one answer that lets a worker send a payout
	// whose earlier request's outcome is unknown. Empty (the default): no answer proves that
	// an order does not exist, so such payouts are never sent again. The gateway does not
	// document its code: confirm it with ConnPay (docs/gateway.md). pkg/sandbox answers
	// sandbox.NotFoundCode.
	NotFoundCodes []string

	// Limiter, when set, is waited on before every HTTP request.
	Limiter Limiter
	// Pressure, when set, is told about every HTTP answer (429/503 as pressure).
	Pressure PressureReporter
	// Auth, when set, is told about every 401/403.
	Auth AuthReporter
	// UserAgent is sent as User-Agent (default "payrun-submit").
	UserAgent string
	// Log gets one line per HTTP request (never parameters other than client_orderid, never the
	// signature), with component=submit added. The zero Logger is silent.
	Log zerolog.Logger
}

// withDefaults validates o and fills defaults.
func (o Options) withDefaults() (Options, error) {
	if o.BaseURL == "" {
		return o, errors.New("submit: options: BaseURL is required")
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return o, fmt.Errorf("submit: options: BaseURL %q must be an absolute http(s) URL without query", o.BaseURL)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if (o.EndpointID == "") == (o.EndpointGroupID == "") {
		return o, errors.New("submit: options: set exactly one of EndpointID and EndpointGroupID")
	}
	if o.Login == "" {
		return o, errors.New("submit: options: Login is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Timeout, 30*time.Second)
	def(&o.DialTimeout, 10*time.Second)
	def(&o.KeepAlive, 30*time.Second)
	def(&o.IdleConnTimeout, 90*time.Second)
	def(&o.Backoff.Initial, 200*time.Millisecond)
	def(&o.Backoff.Max, 5*time.Second)
	def(&o.Backoff.MaxElapsed, 30*time.Second)
	if o.Backoff.Multiplier == 0 {
		o.Backoff.Multiplier = 2
	}
	if o.Backoff.RandomizationFactor == 0 {
		o.Backoff.RandomizationFactor = 0.5
	}
	if o.MaxIdleConnsPerHost == 0 {
		o.MaxIdleConnsPerHost = 16
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = "payrun-submit"
	}
	return o, nil
}

// httpClient builds the client's http.Client. Redirects are not followed: the gateway does
// not redirect API calls, and following one would re-send a payout. The default transport
// speaks HTTP/1.1 only: Go's HTTP/1 transport never re-sends a POST once a byte of it was
// written, but its HTTP/2 transport re-sends one after a RST_STREAM(PROTOCOL_ERROR) from the
// server, which does not prove that the payout was not processed.
func (o Options) httpClient() *http.Client {
	rt := o.Transport
	if rt == nil {
		d := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: o.KeepAlive}
		var http1 http.Protocols
		http1.SetHTTP1(true)
		rt = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           d.DialContext,
			Protocols:             &http1,
			MaxIdleConns:          o.MaxIdleConnsPerHost,
			MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
			MaxConnsPerHost:       o.MaxConnsPerHost,
			IdleConnTimeout:       o.IdleConnTimeout,
			TLSHandshakeTimeout:   o.DialTimeout,
			ExpectContinueTimeout: time.Second,
			DisableKeepAlives:     o.DisableKeepAlives,
		}
	}
	return &http.Client{
		Transport: rt,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
