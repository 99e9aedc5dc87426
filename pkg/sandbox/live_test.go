package sandbox_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/sandbox"
)

// A ThrottleFor window answers every request 429 with its Retry-After, commits nothing, and
// ends on its own; Arrivals keeps every request's arrival.
func TestThrottleFor(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.srv.ThrottleFor(time.Hour, 5*time.Second)
	for i := range 3 {
		a := h.payout("storm-"+strconv.Itoa(i), "1234567890")
		if a.code != http.StatusTooManyRequests || a.header.Get("Retry-After") != "5" {
			t.Fatalf("answer %d %q, Retry-After %q; want 429 with 5", a.code, a.body, a.header.Get("Retry-After"))
		}
	}
	h.srv.ThrottleFor(time.Hour, 0) // replaces the window: no Retry-After this time
	if a := h.payout("storm-bare", "1234567890"); a.code != http.StatusTooManyRequests || a.header.Get("Retry-After") != "" {
		t.Fatalf("answer %d, Retry-After %q; want 429 without", a.code, a.header.Get("Retry-After"))
	}
	h.srv.ThrottleFor(0, 0) // over
	if a := h.payout("after", "1234567890"); a.code != http.StatusOK {
		t.Fatalf("after the window: %d %q", a.code, a.body)
	}
	st := h.srv.Stats()
	if st.Faults[string(sandbox.FaultThrottleWindow)] != 4 || st.Orders != 1 {
		t.Errorf("faults %v, orders %d; want 4 throttle-window answers and 1 order", st.Faults, st.Orders)
	}
	if got := len(h.srv.Arrivals()); got != 5 {
		t.Errorf("%d arrivals, want 5", got)
	}
}

// SetLatency applies to requests from then on; MaxInFlight counts the ones handled at once.
func TestSetLatencyAndInFlight(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.srv.SetLatency(300 * time.Millisecond)
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = h.payout("slow-"+strconv.Itoa(i), "1234567890").code
		}()
	}
	wg.Wait()
	st := h.srv.Stats()
	if !equal(codes, []int{200, 200, 200}) || st.Faults[string(sandbox.FaultLatency)] != 3 {
		t.Fatalf("codes %v, faults %v", codes, st.Faults)
	}
	if st.MaxInFlight != 3 || st.InFlight != 0 {
		t.Errorf("in flight: max %d, now %d; want 3 and 0 (three requests held 300ms each)", st.MaxInFlight, st.InFlight)
	}
	h.srv.SetLatency(0)
	h.payout("fast", "1234567890")
	if n := h.srv.Stats().Faults[string(sandbox.FaultLatency)]; n != 3 {
		t.Errorf("latency applied after SetLatency(0): %d", n)
	}
}
