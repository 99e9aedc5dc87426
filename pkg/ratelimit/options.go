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

	// PressureBase is the first pool-wide pause after a Pressure report with no Retry-After
	// (default 1s); successive reports double it (with 20% jitter) up to PressureMax
	// (default 1m). A report more than PressureReset after the last pause ended starts
	// again from PressureBase (default 1m).
	PressureBase  time.Duration
	PressureMax   time.Duration
	PressureReset time.Duration
	// RampFrom is the fraction of the rate granted right after a pressure pause (default
	// 0.25); it rises linearly to 1 over RampPeriod (default 10s).
	RampFrom   float64
	RampPeriod time.Duration

	// Registerer receives the limiter's metrics; nil registers nothing. Never the default
	// registry unless the caller passes it.
	Registerer prometheus.Registerer
	// Logger gets membership, pressure and pause changes (default: disabled).
	Logger *zerolog.Logger

	onGrant func(time.Time) // tests: called at the moment each token is consumed
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

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
	if o.RampFrom == 0 {
		o.RampFrom = 0.25
	}
	if o.RampPeriod == 0 {
		o.RampPeriod = 10 * time.Second
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
	case o.RampFrom < 0 || o.RampFrom > 1:
		return bad("RampFrom", "must be in (0, 1]")
	case o.RampPeriod < 0:
		return bad("RampPeriod", "must be > 0")
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
