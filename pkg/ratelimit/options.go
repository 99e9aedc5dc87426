package ratelimit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// DefaultBucket is the KV bucket that holds membership, pressure and pause records.
const DefaultBucket = "PAYRUN_RATELIMIT"

// Membership timing defaults: a member refreshes its record every DefaultHeartbeat and is
// counted dead after DeadAfterHeartbeats missed heartbeats.
const (
	DefaultHeartbeat    = time.Second
	DeadAfterHeartbeats = 3
)

// Call kinds the worker uses; any other string is a valid kind too (see Options.Kinds).
const (
	KindPayout = "payout"
	KindStatus = "status"
)

// Limit is a pool-wide rate (requests per second, all instances together) and burst.
type Limit struct {
	Rate  float64
	Burst int
}

// Options configure a Limiter. Zero values take the documented defaults; only Rate is required.
type Options struct {
	// Bucket is the KV bucket name (default DefaultBucket). It is created with file storage
	// when missing. Ignored when KV is set.
	Bucket string
	// KV is an already opened bucket; when set, Bucket is not looked up or created.
	KV jetstream.KeyValue

	// Rate is the pool-wide limit in requests per second (all kinds together). Required, > 0.
	Rate float64
	// Burst is the pool-wide burst (default 1). Each of N members gets max(1, Burst/N).
	Burst int
	// Kinds holds optional separate pool-wide limits per call kind (e.g. KindPayout,
	// KindStatus). A request of a listed kind takes a token from its kind and from the total;
	// a request of any other kind takes one from the total only.
	Kinds map[string]Limit

	// ID names this member in the bucket ([A-Za-z0-9_-], at most 64 bytes). Default:
	// host-pid-random.
	ID string
	// Heartbeat is how often this member refreshes its record (default 1s).
	Heartbeat time.Duration
	// DeadAfter is how long a member may go unseen before the others count it dead and take
	// over its share (default 3s, at least 2*Heartbeat). A member whose own heartbeats have
	// failed for DeadAfter-Heartbeat stops granting (it fences itself) before the others
	// take its share.
	DeadAfter time.Duration

	// Adaptive rate (AIMD over tumbling windows of Window, default 2s; see docs/ratelimit.md).
	// A window is congested when at least CongestedMin (default 3) of its answers were
	// 429/503 and they were at least CongestedShare (default 0.1) of them: the pool's factor
	// is multiplied by Decrease (default 0.7), never below MinFactor (default 0.1). A window
	// with an answer that was not pressure, and not congested, adds Increase (default 0.1) up
	// to 1. The pool grants Rate times the factor.
	Window         time.Duration
	CongestedShare float64
	CongestedMin   int
	Decrease       float64
	Increase       float64
	MinFactor      float64

	// StormAnswers 429/503 answers in a row at one member (no other answer between; default
	// 8) are a storm: the pool stops for PressureBase (default 1s), doubling with 20% jitter
	// per storm up to PressureMax (default 1m); a storm more than PressureReset (default 1m)
	// after the last stop ended starts again from PressureBase.
	StormAnswers  int
	PressureBase  time.Duration
	PressureMax   time.Duration
	PressureReset time.Duration
	// MaxRetryAfter caps the gateway's Retry-After (default 15m); below it a Retry-After
	// stops the pool exactly as long as the gateway asked.
	MaxRetryAfter time.Duration

	// Registerer receives the limiter's metrics; nil registers nothing. Never the default
	// registry unless the caller passes it.
	Registerer prometheus.Registerer
	// Log gets membership, pressure and pause changes (the zero Logger: disabled).
	Log zerolog.Logger

	onGrant func(time.Time) // tests: called at the moment each token is consumed
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// WithDefaults returns o with every zero field set to its documented default, or an error
// wrapping ErrInvalidOptions that names the bad field. New applies it; callers can use it to
// show the effective settings.
func (o Options) WithDefaults() (Options, error) { return o.withDefaults() }

func (o Options) withDefaults() (Options, error) {
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.Burst == 0 {
		o.Burst = 1
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.DeadAfter == 0 {
		o.DeadAfter = DeadAfterHeartbeats * o.Heartbeat
	}
	if o.PressureBase == 0 {
		o.PressureBase = time.Second
	}
	if o.PressureMax == 0 {
		o.PressureMax = time.Minute
	}
	if o.PressureReset == 0 {
		o.PressureReset = time.Minute
	}
	if o.MaxRetryAfter == 0 {
		o.MaxRetryAfter = 15 * time.Minute
	}
	if o.StormAnswers == 0 {
		o.StormAnswers = 8
	}
	if o.Window == 0 {
		o.Window = 2 * time.Second
	}
	if o.CongestedShare == 0 {
		o.CongestedShare = 0.1
	}
	if o.CongestedMin == 0 {
		o.CongestedMin = 3
	}
	if o.Decrease == 0 {
		o.Decrease = 0.7
	}
	if o.Increase == 0 {
		o.Increase = 0.1
	}
	if o.MinFactor == 0 {
		o.MinFactor = 0.1
	}
	if o.ID == "" {
		o.ID = defaultID()
	}
	bad := func(field, why string) (Options, error) {
		return o, fmt.Errorf("%w: %s %s", ErrInvalidOptions, field, why)
	}
	switch {
	case !(o.Rate > 0) || math.IsInf(o.Rate, 0):
		return bad("Rate", "must be a finite number > 0")
	case o.Burst < 0:
		return bad("Burst", "must be >= 0")
	case !idPattern.MatchString(o.ID):
		return bad("ID", "must match [A-Za-z0-9_-]{1,64}")
	case o.Heartbeat < 0:
		return bad("Heartbeat", "must be > 0")
	case o.DeadAfter < 2*o.Heartbeat:
		return bad("DeadAfter", "must be at least 2*Heartbeat")
	case o.PressureBase < 0 || o.PressureMax < o.PressureBase:
		return bad("PressureMax", "must be >= PressureBase > 0")
	case o.PressureReset < 0:
		return bad("PressureReset", "must be > 0")
	case o.MaxRetryAfter < o.PressureBase:
		return bad("MaxRetryAfter", "must be >= PressureBase")
	case o.StormAnswers < 0:
		return bad("StormAnswers", "must be >= 1")
	case o.Window < 0:
		return bad("Window", "must be > 0")
	case !(o.CongestedShare > 0 && o.CongestedShare <= 1):
		return bad("CongestedShare", "must be in (0, 1]")
	case o.CongestedMin < 0:
		return bad("CongestedMin", "must be >= 1")
	case !(o.Decrease > 0 && o.Decrease < 1):
		return bad("Decrease", "must be in (0, 1)")
	case !(o.Increase > 0 && o.Increase <= 1):
		return bad("Increase", "must be in (0, 1]")
	case !(o.MinFactor > 0 && o.MinFactor <= 1):
		return bad("MinFactor", "must be in (0, 1]")
	}
	kinds := make(map[string]Limit, len(o.Kinds)) // never write to the caller's map
	for kind, lim := range o.Kinds {
		if kind == "" {
			return bad("Kinds", "has an empty kind")
		}
		if !(lim.Rate > 0) || math.IsInf(lim.Rate, 0) || lim.Burst < 0 {
			return bad("Kinds["+kind+"]", "needs a finite Rate > 0 and Burst >= 0")
		}
		if lim.Burst == 0 {
			lim.Burst = 1
		}
		kinds[kind] = lim
	}
	o.Kinds = kinds
	return o, nil
}

var hostToken = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func defaultID() string {
	host, _ := os.Hostname()
	host = hostToken.ReplaceAllString(host, "_")
	if len(host) > 32 {
		host = host[:32]
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
