package poolstatus

import (
	"context"
	"time"
)

// Tick is one periodic progress report of a batch being waited for (`enqueue --wait` prints it
// as a JSON line when stderr is not a terminal).
type Tick struct {
	Time        time.Time `json:"time"`
	BatchID     string    `json:"batch"`
	Results     int       `json:"results"`
	Expected    int       `json:"expected"`
	Workers     int       `json:"workers"`
	Paused      bool      `json:"paused"`
	PauseReason string    `json:"pause_reason,omitempty"`
	// Stalled says why nothing moved since the previous tick (Stall), when the pool explains it.
	Stalled string `json:"stalled,omitempty"`
	// PoolError is set when the pool's state could not be read (NATS trouble); the tick still
	// reports the results.
	PoolError string `json:"pool_error,omitempty"`
}

// WatchOptions configure Watch.
type WatchOptions struct {
	Interval time.Duration // between ticks; must be > 0
	BatchID  string
	Expected int
	Results  func() int                              // distinct rows with a result so far
	ReadPool func(ctx context.Context) (Pool, error) // e.g. ReadPool with a jetstream handle
	Now      func() time.Time                        // default time.Now
	OnTick   func(Tick)
}

// Watch calls OnTick every Interval until ctx ends. A tick whose result count did not change
// since the previous one carries the pool's explanation in Stalled.
func Watch(ctx context.Context, o WatchOptions) {
	if o.Now == nil {
		o.Now = time.Now
	}
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	last := -1
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		tick := Tick{Time: o.Now().UTC(), BatchID: o.BatchID, Results: o.Results(), Expected: o.Expected}
		rctx, cancel := context.WithTimeout(ctx, o.Interval)
		p, err := o.ReadPool(rctx)
		cancel()
		if ctx.Err() != nil {
			return // the watch ended during the read: its error says nothing about the pool
		}
		if err != nil {
			tick.PoolError = err.Error()
		} else {
			tick.Workers, tick.Paused, tick.PauseReason = len(p.Workers), p.Paused, p.PauseReason
			if tick.Results == last {
				tick.Stalled = Stall(p, tick.Time)
			}
		}
		last = tick.Results
		o.OnTick(tick)
	}
}
