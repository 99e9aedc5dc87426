package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/payrun/payrun/pkg/job"
)

// page is what every template gets.
type page struct {
	Title     string
	User      *User
	CSRF      string
	Approvals bool
	Status    int    // the HTTP status (for error pages)
	Message   string // error or notice
	Data      any
}

var funcs = template.FuncMap{
	"totals": job.Totals.String,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"pct": func(n, of int) int {
		if of <= 0 {
			return 0
		}
		return min(100, n*100/of)
	},
	"delim": job.DelimiterName,
	"has":   func(u *User, role string) bool { return u.Has(role) },
}

// render writes a page with its status; the page is rendered to a buffer first so that a
// template error becomes a 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.User = userOf(r)
	if p.User == nil {
		p.User = s.currentUser(r)
	}
	p.CSRF = s.csrfToken(w, r)
	p.Approvals = s.opts.Approvals
	p.Status = status
	t, ok := s.tmpl[name]
	var buf bytes.Buffer
	var err error
	if !ok {
		err = fmt.Errorf("no template %q", name)
	} else {
		err = t.Execute(&buf, p)
	}
	if err != nil {
		s.opts.Audit.Error().Err(err).Str("template", name).Msg("console: page could not be rendered")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an error page with a message for people.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", page{Title: http.StatusText(status), Message: msg})
}

// renderFragment writes a template without the layout (the live part of a batch page).
func (s *Server) renderFragment(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl["batch"].ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
