package sandbox

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/signer"
)

// Scenario statuses of the gateway's payout page (account_number → final status).
var defaultScenario = map[string]string{
	"1234567890": "approved",
	"0987654321": "declined",
	"1987654321": "error",
}

// NotFoundCode is the error-code of the sandbox's answer to a status lookup of an unknown
// order: configure it as the client's not-found code (submit.Options.NotFoundCodes, the
// worker's gateway.not_found_codes) when paying through the sandbox.
const NotFoundCode = "ORDER_NOT_FOUND"

// Options configures a Server. PublicKey and Login are required.
type Options struct {
	// PublicKey verifies request signatures.
	PublicKey *rsa.PublicKey
	// Login is the merchant login: the only accepted oauth_consumer_key and status `login`.
	Login string
	// ControlKey is the merchant control key for callbacks; empty disables callbacks.
	ControlKey string
	// Clock is used for signature timestamps, order times and counters (default time.Now).
	Clock signer.Clock
	// TimestampWindow is the accepted |now - oauth_timestamp| (default signer.DefaultWindow).
	TimestampWindow time.Duration
	// VerifyBaseURL, when set, replaces scheme://host/paynet of incoming requests when the
	// signature base string is rebuilt (a sandbox behind a proxy, or replaying requests signed
	// for "https://sandbox.connpay.com/paynet"). Default: the request's own scheme and Host.
	VerifyBaseURL string

	// ProcessingPolls is how many status answers say "processing" before the final status.
	ProcessingPolls int
	// DefaultStatus is the final status for destinations outside the scenario (default
	// "approved"). Any string is allowed; a status the gateway does not list stays pending
	// from the client's point of view.
	DefaultStatus string
	// Scenario adds or overrides account_number → final status entries.
	Scenario map[string]string
	// UnderscoreErrors spells error fields error_message/error_code (the callback spelling)
	// instead of error-message/error-code.
	UnderscoreErrors bool
	// NotFoundType is the answer type for a status lookup of an unknown order:
	// "validation-error" (default) or "error". It never carries a paynet-order-id; its
	// error-code is NotFoundCode.
	NotFoundType string

	// StoreFile, when set, keeps the committed orders (and their polls) in this file, JSON
	// lines appended as they happen, and New reads it back: a sandbox restarted with the same
	// file answers status lookups for every order it committed before, as the real gateway
	// does. The counters (Stats) start at zero. Empty: memory only.
	StoreFile string

	// Faults to inject.
	Faults Faults

	// CallbackClient sends callbacks (default: a client with a 5s timeout).
	CallbackClient *http.Client
	// CallbackAttempts (default 3) and CallbackRetryWait (default 100ms) bound the retries of
	// a callback that does not answer 200.
	CallbackAttempts  int
	CallbackRetryWait time.Duration
}

// Faults configures injected failures. Shares are probabilities in [0,1] drawn once per API
// request from a RNG seeded with Seed; at most one fault hits a request, picked in the order
// 5xx-before, 429, drop-after, 5xx-after. They apply to payout and status calls alike (for a
// status call "after commit" means after the lookup was counted). The same seed gives the same
// sequence of faults and 5xx codes for the same sequence of requests.
type Faults struct {
	// Latency is added before every API request is handled.
	Latency time.Duration
	// Error5xxBefore: answer 500 before anything is committed.
	Error5xxBefore float64
	// Throttle: answer 429 with Retry-After before anything is committed.
	Throttle float64
	// DropAfter: commit, then close the connection without an answer.
	DropAfter float64
	// Error5xxAfter: commit, then answer 502.
	Error5xxAfter float64
	// Error5xxCodes, when set, are the HTTP statuses (500-599) the 5xx-before and 5xx-after
	// faults answer, one drawn per fault with equal weights from the fault RNG, e.g. {500, 502,
	// 503} to mix them. Empty: 500 before the commit, 502 after it. FailNth's 5xx faults use
	// them too.
	Error5xxCodes []int
	// RetryAfter is the Retry-After of a 429 (default 1s; whole seconds are sent).
	RetryAfter time.Duration
	// RateLimit answers 429 to API requests beyond this many per clock second (0: off).
	RateLimit int
	// Seed seeds the fault RNG (0 means 1).
	Seed uint64
}

// Fault is one kind of injected failure.
type Fault string

// Fault kinds, also the keys of Stats.Faults.
const (
	Fault5xxBefore Fault = "5xx-before"
	Fault429       Fault = "429"
	FaultDropAfter Fault = "drop-after"
	Fault5xxAfter  Fault = "5xx-after"
	// FaultErrorBefore answers type=error without paynet-order-id, nothing committed;
	// FaultErrorAfter commits, then answers type=error WITH the paynet-order-id. They are
	// only scheduled with FailNth.
	FaultErrorBefore Fault = "error-before"
	FaultErrorAfter  Fault = "error-after"
	FaultLatency     Fault = "latency"
	FaultRateLimit   Fault = "rate-limit"
	// FaultThrottleWindow counts the 429 answers of a ThrottleFor window.
	FaultThrottleWindow Fault = "throttle-window"
)

// ParseFault parses a fault kind name (as used by FailNth and the command's flags).
func ParseFault(s string) (Fault, error) {
	switch f := Fault(s); f {
	case Fault5xxBefore, Fault429, FaultDropAfter, Fault5xxAfter, FaultErrorBefore, FaultErrorAfter:
		return f, nil
	}
	return "", fmt.Errorf("sandbox: unknown fault %q (want 5xx-before, 429, drop-after, 5xx-after, error-before or error-after)", s)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (o Options) withDefaults() (Options, error) {
	if o.PublicKey == nil {
		return o, errors.New("sandbox: options: PublicKey is required")
	}
	if o.Login == "" {
		return o, errors.New("sandbox: options: Login is required")
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.TimestampWindow <= 0 {
		o.TimestampWindow = signer.DefaultWindow
	}
	if o.VerifyBaseURL != "" {
		u, err := url.Parse(o.VerifyBaseURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return o, fmt.Errorf("sandbox: options: VerifyBaseURL %q is not an absolute http(s) URL", o.VerifyBaseURL)
		}
		o.VerifyBaseURL = strings.TrimRight(o.VerifyBaseURL, "/")
	}
	if o.ProcessingPolls < 0 {
		return o, errors.New("sandbox: options: ProcessingPolls must not be negative")
	}
	if o.DefaultStatus == "" {
		o.DefaultStatus = "approved"
	}
	switch o.NotFoundType {
	case "":
		o.NotFoundType = "validation-error"
	case "validation-error", "error":
	default:
		return o, fmt.Errorf("sandbox: options: NotFoundType %q (want validation-error or error)", o.NotFoundType)
	}
	f := &o.Faults
	for name, p := range map[string]float64{"Error5xxBefore": f.Error5xxBefore, "Throttle": f.Throttle, "DropAfter": f.DropAfter, "Error5xxAfter": f.Error5xxAfter} {
		if p < 0 || p > 1 {
			return o, fmt.Errorf("sandbox: options: Faults.%s = %v, want a share in [0,1]", name, p)
		}
	}
	if s := f.Error5xxBefore + f.Throttle + f.DropAfter + f.Error5xxAfter; s > 1 {
		return o, fmt.Errorf("sandbox: options: fault shares add up to %v, more than 1", s)
	}
	for _, c := range f.Error5xxCodes {
		if c < 500 || c > 599 {
			return o, fmt.Errorf("sandbox: options: Faults.Error5xxCodes: %d is not a 5xx status", c)
		}
	}
	f.Error5xxCodes = slices.Clone(f.Error5xxCodes)
	if f.Latency < 0 || f.RateLimit < 0 {
		return o, errors.New("sandbox: options: Faults.Latency and Faults.RateLimit must not be negative")
	}
	if f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	if f.Seed == 0 {
		f.Seed = 1
	}
	if o.CallbackClient == nil {
		o.CallbackClient = &http.Client{Timeout: 5 * time.Second}
	}
	if o.CallbackAttempts <= 0 {
		o.CallbackAttempts = 3
	}
	if o.CallbackRetryWait <= 0 {
		o.CallbackRetryWait = 100 * time.Millisecond
	}
	return o, nil
}
