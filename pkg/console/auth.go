package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Roles.
const (
	RoleViewer    = "viewer"
	RoleSubmitter = "submitter"
	RoleApprover  = "approver"
	RoleOperator  = "operator"
)

// Roles are the console's roles: a viewer reads (every user may), a submitter uploads (and, with
// approvals off, releases their own uploads), an approver approves or rejects other users'
// uploads, an operator pauses and resumes the pool and puts never-sent rows back.
var Roles = []string{RoleViewer, RoleSubmitter, RoleApprover, RoleOperator}

// User is a console user.
type User struct {
	Name  string
	Roles []string
	// Hash is the bcrypt hash of the password; "" means the user signs in only through the
	// trusted proxy header.
	Hash string
}

// Has reports whether the user holds role. Every user may view: viewer is implied by any role.
func (u *User) Has(role string) bool {
	return u != nil && (role == RoleViewer || slices.Contains(u.Roles, role))
}

// Cookie names.
const (
	sessionCookie = "payrun_session"
	csrfCookie    = "payrun_csrf"
	csrfField     = "csrf"
)

// dummyHash is compared against when a name is unknown, so that a wrong name takes as long as a
// wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("payrun-console-no-such-user"), bcrypt.MinCost)

// checkPassword returns the user when name and password match.
func (s *Server) checkPassword(name, password string) (*User, bool) {
	u, ok := s.users[name]
	if !ok || u.Hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, false
	}
	if bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(password)) != nil {
		return nil, false
	}
	return u, true
}

// session is the signed content of the session cookie.
type session struct {
	User    string `json:"u"`
	Expires int64  `json:"e"` // unix seconds
}

// sign returns base64(payload) "." base64(HMAC-SHA256(key, purpose|payload)).
func (s *Server) sign(purpose string, payload []byte) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose + "|"))
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify returns the payload of a value made by sign for purpose.
func (s *Server) verify(purpose, value string) ([]byte, bool) {
	p, sig, ok := strings.Cut(value, ".")
	if !ok {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, false
	}
	want := s.sign(purpose, payload)
	return payload, subtle.ConstantTimeCompare([]byte(want), []byte(value)) == 1 && sig != ""
}

// setCookie sets an HttpOnly, SameSite=Strict cookie, Secure on TLS or when configured.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.opts.SecureCookies || r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// startSession signs the user in.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *User) {
	exp := s.now().Add(s.opts.SessionTTL)
	payload, _ := json.Marshal(session{User: u.Name, Expires: exp.Unix()})
	s.setCookie(w, r, sessionCookie, s.sign("session", payload), int(s.opts.SessionTTL/time.Second))
}

// currentUser is the signed-in user: the trusted proxy's header when configured and present,
// else a valid, unexpired session cookie of a user who is still configured.
func (s *Server) currentUser(r *http.Request) *User {
	if h := s.opts.ProxyUserHeader; h != "" {
		if name := r.Header.Get(h); name != "" {
			return s.users[name]
		}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	payload, ok := s.verify("session", c.Value)
	if !ok {
		return nil
	}
	var sess session
	if json.Unmarshal(payload, &sess) != nil || s.now().Unix() >= sess.Expires {
		return nil
	}
	return s.users[sess.User]
}

// csrfToken returns the form token for this browser, setting its random cookie on first use:
// the token is the cookie's HMAC, so a page on another site can neither read nor forge it
// (double submit, bound to the server's key).
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return s.sign("csrf", []byte(c.Value))
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	v := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, r, csrfCookie, v, 0)
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v}) // the rest of this request sees it
	return s.sign("csrf", []byte(v))
}

// csrfOK checks a form's token against the browser's cookie.
func (s *Server) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 {
		return false
	}
	want := s.sign("csrf", []byte(c.Value))
	return subtle.ConstantTimeCompare([]byte(want), []byte(r.PostFormValue(csrfField))) == 1
}
