package console_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"

	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/pkg/console"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// TestMain checks for leaked goroutines, except the flush loops a nats-server file store can
// keep after Shutdown (queuetest.FileStoreFlushLoops says why).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, queuetest.FileStoreFlushLoops()...)
}

// testUsers: name → roles; each password is "pw-" + name.
var testUsers = map[string][]string{
	"sub":    {console.RoleSubmitter},
	"sub2":   {console.RoleSubmitter},
	"appr":   {console.RoleApprover, console.RoleViewer},
	"both":   {console.RoleSubmitter, console.RoleApprover},
	"op":     {console.RoleOperator, console.RoleViewer},
	"viewer": {console.RoleViewer},
}

var (
	hashOnce sync.Once
	users    []console.User
)

func hashedUsers(t testing.TB) []console.User {
	hashOnce.Do(func() {
		for name, roles := range testUsers {
			h, err := bcrypt.GenerateFromPassword([]byte("pw-"+name), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, console.User{Name: name, Roles: roles, Hash: string(h)})
		}
	})
	return append([]console.User(nil), users...)
}

// env is a console over an embedded JetStream server.
type env struct {
	t       *testing.T
	srv     *queue.EmbeddedServer
	js      jetstream.JetStream
	handles *queue.Handles
	web     *httptest.Server
	audit   *testlog.Buffer
	now     *time.Time
}

func newEnv(t *testing.T, change func(*console.Options)) *env {
	t.Helper()
	return newWrappedEnv(t, nil, change)
}

// newWrappedEnv is newEnv with the console's JetStream and handles passed through wrap (e.g. to
// count what it reads); the env itself keeps the unwrapped ones.
func newWrappedEnv(t *testing.T, wrap func(jetstream.JetStream, queue.Handles) (jetstream.JetStream, queue.Handles), change func(*console.Options)) *env {
	t.Helper()
	srv, _, js := queuetest.Start(t)
	h := queuetest.Provision(t, js)
	e := &env{t: t, srv: srv, js: js, handles: h, audit: &testlog.Buffer{}}
	cjs, ch := js, *h
	if wrap != nil {
		cjs, ch = wrap(js, ch)
	}
	now := time.Now()
	e.now = &now
	o := console.Options{Approvals: true, Users: hashedUsers(t), MaxUploadBytes: 64 << 10, Timeout: 2 * time.Second,
		Audit: zerolog.New(e.audit), Now: func() time.Time { return *e.now }}
	if change != nil {
		change(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := console.New(ctx, cjs, &ch, o)
	if err != nil {
		t.Fatal(err)
	}
	e.web = httptest.NewServer(s)
	t.Cleanup(e.web.Close)
	return e
}

// browser is an HTTP client with its own cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string
	// lastLocation is the Location of the last answer (a redirect's target).
	lastLocation string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs in as name (password "pw-"+name) and fails the test if that does not work.
func (e *env) login(name string) *browser {
	b := e.browser()
	if st, body := b.post("/login", url.Values{"user": {name}, "password": {"pw-" + name}}); st != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d: %s", name, st, body)
	}
	return b
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	b.lastLocation = resp.Header.Get("Location")
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.web.URL+path, nil)
	return b.do(req)
}

// token makes sure the browser has a CSRF cookie and token (from the login page).
func (b *browser) token() string {
	if b.csrf == "" {
		b.get("/login")
	}
	return b.csrf
}

// post sends a form with the browser's CSRF token (unless form has "csrf" set already).
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.token())
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.web.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// upload posts a file (multipart) to path with the CSRF token (unless noCSRF).
func (b *browser) upload(path, name string, data []byte, noCSRF bool) (int, string) {
	b.t.Helper()
	tok := b.token()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if !noCSRF {
		_ = mw.WriteField("csrf", tok)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.web.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// jobsStored is how many messages the jobs stream holds (jobs and chunk markers).
func (e *env) jobsStored() uint64 {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := e.handles.Jobs.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return info.State.Msgs
}

// uploadValid uploads testdata/valid.csv as sub and returns the batch id from the redirect.
func (e *env) uploadValid(b *browser) string {
	e.t.Helper()
	st, body := b.upload("/upload", "valid.csv", readFile(e.t, "valid.csv"), false)
	if st != http.StatusSeeOther {
		e.t.Fatalf("upload: status %d: %s", st, body)
	}
	return batchIDOf(e.t, b.lastLocation)
}

func batchIDOf(t *testing.T, location string) string {
	t.Helper()
	id, ok := strings.CutPrefix(location, "/batches/")
	if !ok || id == "" {
		t.Fatalf("redirect to %q, want /batches/ID", location)
	}
	return id
}
