package console

import (
	"net/http"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.currentUser(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "Sign in"})
}

// login checks the form's CSRF token and the password, then starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !s.csrfOK(r) {
		s.opts.Audit.Info().Str("audit", "login").Str("remote", r.RemoteAddr).Str("outcome", "refused").Msg("sign-in form without a valid CSRF token")
		s.fail(w, r, http.StatusForbidden, "This form has expired. Reload the page and sign in again.")
		return
	}
	name := r.PostFormValue("user")
	u, ok := s.checkPassword(name, r.PostFormValue("password"))
	if !ok {
		s.opts.Audit.Info().Str("audit", "login").Str("remote", r.RemoteAddr).Str("user", name).Str("outcome", "refused").Msg("wrong user name or password")
		s.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", Message: "Wrong user name or password."})
		return
	}
	s.startSession(w, r, u)
	s.opts.Audit.Info().Str("audit", "login").Str("remote", r.RemoteAddr).Str("user", u.Name).Str("outcome", "ok").Msg("signed in")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.csrfOK(r) {
		s.fail(w, r, http.StatusForbidden, "This form has expired. Reload the page and try again.")
		return
	}
	if u := s.currentUser(r); u != nil {
		s.opts.Audit.Info().Str("audit", "logout").Str("remote", r.RemoteAddr).Str("user", u.Name).Str("outcome", "ok").Msg("signed out")
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
