package submit_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// canned serves the same answer to every request; it returns the request counter and the base
// URL.
func canned(t *testing.T, code int, header map[string]string, body string) (*atomic.Int64, string) {
	t.Helper()
	calls := &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return calls, srv.URL + "/paynet"
}

// pressure records PressureReporter calls.
type pressure struct {
	mu       sync.Mutex
	waits    []time.Duration
	answered int
}

func (p *pressure) Answered() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answered++
}

func (p *pressure) answers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.answered
}

func (p *pressure) Pressure(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waits = append(p.waits, d)
}

func (p *pressure) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waits)
}
