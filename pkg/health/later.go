package health

import (
	"net/http"
	"sync/atomic"
)

// Later is an http.Handler whose real handler is set once the process has built it; until then
// it answers 503 with a Retry-After, so a caller (a gateway callback) tries again.
type Later struct{ h atomic.Pointer[http.Handler] }

// Set installs the real handler.
func (l *Later) Set(h http.Handler) { l.h.Store(&h) }

// ServeHTTP serves with the real handler, or 503 before Set.
func (l *Later) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := l.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Retry-After", "5")
	http.Error(w, "not ready: starting", http.StatusServiceUnavailable)
}
