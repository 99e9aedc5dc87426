package submit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/signer"
)

// Call names, used in logs, errors and Error.Call.
const (
	CallPayout = "payout"
	CallStatus = "status"
)

// Client calls the gateway. It is safe for concurrent use.
type Client struct {
	opts      Options
	sign      *signer.Signer
	http      *http.Client
	log       zerolog.Logger
	payoutURL string
	statusURL string
}

// NewClient validates opts and builds a client that signs every attempt with sign.
func NewClient(opts Options, sign *signer.Signer) (*Client, error) {
	if sign == nil {
		return nil, errors.New("submit: new client: nil signer")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.Login != sign.ConsumerKey() {
		// Both are the merchant login. Status calls carrying another login are refused as
		// invalid, and a validation-error to a lookup reads as "no such order".
		return nil, fmt.Errorf("submit: options: Login %q is not the signer's consumer key %q (both are the merchant login)", o.Login, sign.ConsumerKey())
	}
	target := url.PathEscape(o.EndpointID)
	if o.EndpointGroupID != "" {
		target = "group/" + url.PathEscape(o.EndpointGroupID)
	}
	return &Client{
		opts:      o,
		sign:      sign,
		http:      o.httpClient(),
		log:       o.Log.With().Str("component", "submit").Logger(),
		payoutURL: o.BaseURL + "/api/v4/payout/" + target,
		statusURL: o.BaseURL + "/api/v4/status/" + target,
	}, nil
}

// CloseIdleConnections closes pooled connections (call it when done with the client).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// errLimiter marks a refusal by the Limiter: the call ends at once, it is not retried.
var errLimiter = errors.New("limiter refused")

// attempt is what one HTTP request produced.
type attempt struct {
	resp       Response
	httpStatus int
	written    bool // httptrace WroteRequest fired (logged; the class is decided from gotConn)
}

// do sends one signed request. It returns the parsed 200 answer, or an *Error classified from
// the transport and HTTP level (Retryable, Ambiguous, Auth, Throttled, InvalidRequest).
func (c *Client) do(ctx context.Context, call, rawURL string, params []signer.Param) (attempt, *Error) {
	var a attempt
	if c.opts.Limiter != nil {
		if err := c.opts.Limiter.Wait(ctx); err != nil {
			return a, &Error{Class: ClassRetryable, Err: fmt.Errorf("%w: %w", errLimiter, err)}
		}
	}
	d, err := c.sign.Sign(http.MethodPost, rawURL, params)
	if err != nil {
		return a, &Error{Class: ClassInvalidRequest, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(d.Body))
	if err != nil {
		return a, &Error{Class: ClassInvalidRequest, Err: err}
	}
	req.Header.Set("Authorization", d.AuthorizationHeader)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("User-Agent", c.opts.UserAgent)

	// gotConn: a connection was handed to this request, so bytes may have been written.
	// Before that (DNS, dial, TLS handshake, pool wait) nothing of the request left.
	var gotConn, wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { gotConn.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}))
	res, err := c.http.Do(req)
	a.written = wrote.Load()
	if err != nil {
		if !gotConn.Load() || isDialError(err) {
			return a, &Error{Class: ClassRetryable, Err: err}
		}
		return a, &Error{Class: ClassAmbiguous, Err: err}
	}
	a.httpStatus = res.StatusCode
	body, rerr := io.ReadAll(io.LimitReader(res.Body, c.opts.MaxBodyBytes+1))
	res.Body.Close()

	switch res.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		retryAfter := parseRetryAfter(res.Header.Get("Retry-After"), time.Now())
		if c.opts.Pressure != nil {
			c.opts.Pressure.Pressure(retryAfter)
		}
		class := ClassThrottled
		if res.StatusCode == http.StatusServiceUnavailable || (call == CallPayout && c.opts.Treat429AsAmbiguous) {
			class = ClassAmbiguous
		}
		return a, &Error{Class: class, HTTPStatus: res.StatusCode, RetryAfter: retryAfter}
	}
	if c.opts.Pressure != nil {
		c.opts.Pressure.Answered()
	}
	switch res.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		c.authRefused(call, res.StatusCode)
		return a, &Error{Class: ClassAuth, HTTPStatus: res.StatusCode}
	case http.StatusOK:
	default:
		return a, &Error{Class: ClassAmbiguous, HTTPStatus: res.StatusCode, Err: fmt.Errorf("unexpected HTTP status %d", res.StatusCode)}
	}
	if rerr != nil {
		return a, &Error{Class: ClassAmbiguous, HTTPStatus: res.StatusCode, Err: fmt.Errorf("read body: %w", rerr)}
	}
	a.resp, err = parseResponse(body, c.opts.MaxBodyBytes)
	if err != nil {
		return a, &Error{Class: ClassAmbiguous, HTTPStatus: res.StatusCode, Err: err}
	}
	return a, nil
}

// authRefused logs a 401/403 for a person (which login and which key the gateway refused) and
// reports it to Options.Auth.
func (c *Client) authRefused(call string, httpStatus int) {
	fp := c.sign.KeyFingerprint()
	c.log.Error().Str("call", call).Int("http_status", httpStatus).Str("login", c.opts.Login).Str("key_fingerprint", fp).
		Msg("the gateway refused authentication: check gateway.login and gateway.private_key_file (the key ConnPay has for this login)")
	if c.opts.Auth != nil {
		c.opts.Auth.AuthRefused(c.opts.Login, fp, httpStatus)
	}
}

// isDialError reports a failure while connecting (the transport may have retried a request
// that wrote nothing on a reused connection and then failed to dial a new one).
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// parseRetryAfter reads delay-seconds or an HTTP date; zero when absent or unparseable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// errorFrom fills an *Error from a parsed answer.
func errorFrom(class Class, a attempt, cause error) *Error {
	return &Error{
		Class:        class,
		HTTPStatus:   a.httpStatus,
		Code:         a.resp.ErrorCode,
		Message:      gatewayText(a.resp.ErrorMessage),
		OrderID:      a.resp.OrderID,
		SerialNumber: a.resp.SerialNumber,
		Err:          cause,
	}
}

// logAttempt writes the one log line of an HTTP attempt: at debug when it succeeded (one per
// request adds up to tens of megabytes per large batch), at warn when it failed.
func logAttempt(lg zerolog.Logger, n int, took time.Duration, a attempt, e *Error, extra func(*zerolog.Event)) {
	ev := lg.Debug()
	class := "ok"
	if e != nil {
		ev = lg.Warn()
		class = string(e.Class)
	}
	ev = ev.Int("attempt", n).Dur("duration_ms", took).Str("class", class).Bool("written", a.written)
	if a.httpStatus != 0 {
		ev = ev.Int("http_status", a.httpStatus)
	}
	if a.resp.OrderID != "" {
		ev = ev.Str("paynet_order_id", a.resp.OrderID)
	}
	if a.resp.SerialNumber != "" {
		ev = ev.Str("serial_number", a.resp.SerialNumber)
	}
	if e != nil {
		if e.Code != "" {
			ev = ev.Str("error_code", e.Code)
		}
		if e.Message != "" {
			ev = ev.Str("error_message", e.Message)
		}
		if e.RetryAfter > 0 {
			ev = ev.Dur("retry_after_ms", e.RetryAfter)
		}
		if e.Err != nil {
			ev = ev.AnErr("cause", e.Err)
		}
	}
	if extra != nil {
		extra(ev)
	}
	ev.Msg("gateway request")
}
