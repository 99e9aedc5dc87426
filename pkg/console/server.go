package console

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/ratelimit"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Options configure a Server. Zero values get the defaults noted.
type Options struct {
	Approvals       bool   // four eyes: a second user approves before enqueue
	Users           []User // at least one
	ProxyUserHeader string // trusted SSO proxy header with the user name; "" = off
	MaxUploadBytes  int64  // default 32 MiB
	// SessionKey signs sessions and CSRF tokens; empty: a random key (sessions end with the
	// process).
	SessionKey    []byte
	SessionTTL    time.Duration // default 8h
	SecureCookies bool          // Secure cookies also without TLS on the request
	Names         queue.Names   // default queue.DefaultNames()
	Replicas      int           // of the console's bucket and object store; default 1
	// ChunkSize and Window are batch.Options' (enqueue.chunk_size, enqueue.publish_window).
	ChunkSize, Window int
	MaxErrors         int // validation errors listed (enqueue.max_errors); default 100
	// Limit is the configured job size limit a file is checked against at upload (as the dry run
	// does); enqueue checks against the stream's real limit again.
	Limit        batch.JobLimit
	Timeout      time.Duration // bounds each request's NATS work; default 10s
	ListPageSize int           // batches per page of the batch list; default 50
	// Keys, if set, seal what the console keeps and publishes: each waiting file in the object
	// store, and the jobs' card and account numbers (pkg/batch's Options.Seal, also used for the
	// size check). nil keeps both in clear. *seal.Keyring is one.
	Keys Keys
	// Audit receives one event per action (who, what, which batch, outcome).
	Audit zerolog.Logger
	Now   func() time.Time // default time.Now
}

// Keys seal and open values bound to associated data (pkg/seal's Keyring).
type Keys interface {
	job.Sealer
	job.Opener
}

// Server is the console's HTTP handler.
type Server struct {
	opts    Options
	js      jetstream.JetStream
	handles *queue.Handles
	store   *store
	control *ratelimit.Control
	users   map[string]*User
	key     []byte
	tmpl    map[string]*template.Template
	mux     *http.ServeMux
	now     func() time.Time
	cache   *resultCache // the recently polled batches' results
}

// New opens the console's bucket and object store and returns the handler. handles are the
// provisioned streams and buckets (queue.Provision), shared with enqueue.
func New(ctx context.Context, js jetstream.JetStream, handles *queue.Handles, o Options) (*Server, error) {
	if js == nil || handles == nil || handles.Batches == nil || handles.Jobs == nil {
		return nil, errors.New("console: new: missing JetStream or handles")
	}
	if len(o.Users) == 0 {
		return nil, errors.New("console: new: no users")
	}
	if o.Names == (queue.Names{}) {
		o.Names = queue.DefaultNames()
	}
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = 32 << 20
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 8 * time.Hour
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = 100
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.ListPageSize <= 0 {
		o.ListPageSize = 50
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Keys != nil && o.Limit.Seal == nil {
		o.Limit.Seal = o.Keys // a job is checked at the size it is stored at, sealed
	}
	s := &Server{opts: o, js: js, handles: handles, users: map[string]*User{}, key: o.SessionKey, now: o.Now,
		cache: newResultCache(resultCacheBatches, resultCacheRows)}
	if len(s.key) == 0 {
		s.key = make([]byte, 32)
		_, _ = rand.Read(s.key)
	}
	for i := range o.Users {
		s.users[o.Users[i].Name] = &o.Users[i]
	}
	var err error
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	if s.store, err = openStore(ctx, js, o.Replicas, o.Keys); err != nil {
		return nil, err
	}
	if s.control, err = ratelimit.OpenControl(ctx, js, o.Names.RateLimitBucket); err != nil {
		return nil, fmt.Errorf("console: pool control: %w", err)
	}
	s.routes()
	return s, nil
}

// parseTemplates parses each page with the shared layout.
func parseTemplates() (map[string]*template.Template, error) {
	pages, err := fs.Glob(assets, "templates/page_*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials.html", p)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", p, err)
		}
		out[p[len("templates/page_"):len(p)-len(".html")]] = t
	}
	return out, nil
}

// routes registers every route; each handler names the role it needs.
func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /logout", s.logout)
	m.HandleFunc("GET /{$}", s.need(RoleViewer, s.batchList))
	m.HandleFunc("GET /upload", s.need(RoleSubmitter, s.uploadPage))
	m.HandleFunc("POST /upload", s.need(RoleSubmitter, s.upload))
	m.HandleFunc("GET /batches/{id}", s.need(RoleViewer, s.batchPage))
	m.HandleFunc("GET /batches/{id}/live", s.needPart(RoleViewer, s.batchLive))
	m.HandleFunc("GET /batches/{id}/report", s.need(RoleViewer, s.report))
	m.HandleFunc("POST /batches/{id}/report", s.need(RoleViewer, s.reportWithFile))
	m.HandleFunc("POST /batches/{id}/approve", s.need(RoleApprover, s.approve))
	m.HandleFunc("POST /batches/{id}/release", s.need(RoleSubmitter, s.release))
	m.HandleFunc("POST /batches/{id}/reject", s.need("", s.reject))
	m.HandleFunc("POST /batches/{id}/enqueue", s.need("", s.resumeEnqueue))
	m.HandleFunc("POST /batches/{id}/retry", s.need(RoleOperator, s.retry))
	m.HandleFunc("POST /pool/pause", s.need(RoleOperator, s.pause))
	m.HandleFunc("POST /pool/resume", s.need(RoleOperator, s.resume))
	s.mux = m
}

// ServeHTTP serves the console with security headers on every answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

type ctxKey struct{}

// userOf is the signed-in user of a request that passed need.
func userOf(r *http.Request) *User { u, _ := r.Context().Value(ctxKey{}).(*User); return u }

// need wraps a page's handler h: a signed-in user (else a GET goes to the login page, a POST
// gets 401), holding role unless role is "" (the handler checks), and a valid CSRF token on every
// POST. A refusal is audited.
func (s *Server) need(role string, h http.HandlerFunc) http.HandlerFunc {
	return s.guard(role, h, true)
}

// needPart is need for a part of a page fetched by its script: 401 instead of the login page.
func (s *Server) needPart(role string, h http.HandlerFunc) http.HandlerFunc {
	return s.guard(role, h, false)
}

func (s *Server) guard(role string, h http.HandlerFunc, page bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := s.currentUser(r)
		if u == nil {
			if page && r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusUnauthorized, "Please sign in.")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, u))
		if r.Method == http.MethodPost {
			if r.MultipartForm == nil && r.PostForm == nil && isMultipart(r) {
				if !s.parseUpload(w, r) {
					return
				}
			}
			if !s.csrfOK(r) {
				s.audit(r, "csrf", r.PathValue("id")).Str("outcome", "refused").Msg("form without a valid CSRF token")
				s.fail(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Go back, reload the page and try again.")
				return
			}
		}
		if role != "" && !u.Has(role) {
			s.audit(r, "forbidden", r.PathValue("id")).Str("outcome", "refused").Str("needs", role).Msg("role missing")
			s.fail(w, r, http.StatusForbidden, fmt.Sprintf("You need the %s role for this.", role))
			return
		}
		h(w, r)
	}
}

// audit starts an audit event for the request's user.
func (s *Server) audit(r *http.Request, action, batchID string) *zerolog.Event {
	e := s.opts.Audit.Info().Str("audit", action).Str("remote", r.RemoteAddr)
	if u := userOf(r); u != nil {
		e = e.Str("user", u.Name)
	}
	if batchID != "" {
		e = e.Str("batch", batchID)
	}
	return e
}

// opContext bounds a request's NATS work.
func (s *Server) opContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.opts.Timeout)
}
