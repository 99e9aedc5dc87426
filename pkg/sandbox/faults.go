package sandbox

import (
	"math/rand/v2"
	"net/http"
	"sync"
)

// faultPicker decides which fault, if any, hits a request: first the scheduled "fail the
// Nth" faults, then the shares drawn from the seeded RNG.
type faultPicker struct {
	mu        sync.Mutex
	rng       *rand.Rand
	f         Faults
	scheduled []scheduledFault
}

type scheduledFault struct {
	call  string
	left  int // requests of call still to pass before this one fires (1 = the next)
	fault Fault
}

func newFaultPicker(f Faults) *faultPicker {
	return &faultPicker{rng: rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15)), f: f}
}

// schedule makes the nth request of call (counted from now, 1 = the next) fail with fault.
func (p *faultPicker) schedule(call string, n int, fault Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scheduled = append(p.scheduled, scheduledFault{call: call, left: n, fault: fault})
}

// injected is the fault picked for one request; code is the HTTP status of a 5xx kind.
type injected struct {
	fault Fault
	code  int
}

// pick returns the fault for one request of call (zero for none).
func (p *faultPicker) pick(call string) injected {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.kind(call)
	return injected{fault: f, code: p.serverErrorCode(f)}
}

// serverErrorCode is the HTTP status a 5xx fault answers: one of Faults.Error5xxCodes, drawn
// with equal weights, or 500 before and 502 after the commit when none are configured. Called
// with p.mu held.
func (p *faultPicker) serverErrorCode(f Fault) int {
	if f != Fault5xxBefore && f != Fault5xxAfter {
		return 0
	}
	switch codes := p.f.Error5xxCodes; len(codes) {
	case 0:
		if f == Fault5xxBefore {
			return http.StatusInternalServerError
		}
		return http.StatusBadGateway
	case 1:
		return codes[0]
	default:
		return codes[p.rng.IntN(len(codes))]
	}
}

// kind picks the fault kind for one request of call ("" for none). Called with p.mu held.
func (p *faultPicker) kind(call string) Fault {
	var hit Fault
	kept := p.scheduled[:0]
	for _, s := range p.scheduled {
		if s.call == call {
			s.left--
			if s.left <= 0 {
				if hit == "" {
					hit = s.fault
				}
				continue
			}
		}
		kept = append(kept, s)
	}
	p.scheduled = kept
	if hit != "" {
		return hit
	}
	f := p.f
	if f.Error5xxBefore+f.Throttle+f.DropAfter+f.Error5xxAfter == 0 {
		return ""
	}
	r := p.rng.Float64()
	for _, c := range []struct {
		share float64
		fault Fault
	}{{f.Error5xxBefore, Fault5xxBefore}, {f.Throttle, Fault429}, {f.DropAfter, FaultDropAfter}, {f.Error5xxAfter, Fault5xxAfter}} {
		if r < c.share {
			return c.fault
		}
		r -= c.share
	}
	return ""
}
