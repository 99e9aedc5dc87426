package console

import (
	"net/http"
	"strings"
)

// pause stops the whole pool (ratelimit.Control, as `worker pause`); the reason is required
// and recorded with the operator's name.
func (s *Server) pause(w http.ResponseWriter, r *http.Request) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		s.fail(w, r, http.StatusBadRequest, "Say why the pool is paused.")
		return
	}
	reason = truncate(reason, 300)
	ctx, cancel := s.opContext(r)
	defer cancel()
	if err := s.control.Pause(ctx, reason+" (by "+userOf(r).Name+" in the console)"); err != nil {
		s.natsDown(w, r, "pause", "", err)
		return
	}
	s.audit(r, "pause", "").Str("reason", reason).Str("outcome", "paused").Msg("pool paused")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// resume ends a pause (as `worker resume`).
func (s *Server) resume(w http.ResponseWriter, r *http.Request) {
	reason := truncate(strings.TrimSpace(r.PostFormValue("reason")), 300)
	ctx, cancel := s.opContext(r)
	defer cancel()
	if err := s.control.Resume(ctx); err != nil {
		s.natsDown(w, r, "resume", "", err)
		return
	}
	s.audit(r, "resume", "").Str("reason", reason).Str("outcome", "resumed").Msg("pool resumed")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
