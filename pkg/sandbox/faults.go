package sandbox

import (
	"math/rand/v2"
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

// pick returns the fault for one request of call ("" for none).
func (p *faultPicker) pick(call string) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
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
