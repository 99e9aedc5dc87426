package config

import (
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/console"
)

// minSessionKey is the shortest console.session_key accepted.
const minSessionKey = 32

// ConsoleUsers parses console.users: one user per line, "name roles hash" separated by spaces,
// roles comma-separated from console.Roles, hash a bcrypt hash or "-" (the user signs in only
// through the proxy header); empty lines and lines starting with # are skipped. Errors name the
// key and the line, never the hash.
func (c Config) ConsoleUsers() ([]console.User, error) {
	var out []console.User
	var errs []error
	seen := map[string]bool{}
	for i, line := range strings.Split(c.Console.Users, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			errs = append(errs, fieldErr("console.users", "line %d: want \"name roles hash\" (3 fields), got %d", i+1, len(f)))
			continue
		}
		u := console.User{Name: f[0], Roles: strings.Split(f[1], ","), Hash: f[2]}
		if seen[u.Name] {
			errs = append(errs, fieldErr("console.users", "line %d: user %q listed twice", i+1, u.Name))
		}
		seen[u.Name] = true
		for _, r := range u.Roles {
			if !slices.Contains(console.Roles, r) {
				errs = append(errs, fieldErr("console.users", "line %d: user %q: unknown role %q (want %s)", i+1, u.Name, r, strings.Join(console.Roles, ", ")))
			}
		}
		switch {
		case u.Hash == "-":
			u.Hash = ""
		case !strings.HasPrefix(u.Hash, "$2a$") && !strings.HasPrefix(u.Hash, "$2b$") && !strings.HasPrefix(u.Hash, "$2y$"):
			errs = append(errs, fieldErr("console.users", "line %d: user %q: the password hash is not a bcrypt hash ($2a$, $2b$ or $2y$) or \"-\"", i+1, u.Name))
		}
		out = append(out, u)
	}
	return out, errors.Join(errs...)
}

// Console's keys, formats only (Validate checks them for every binary; ValidateConsole also
// requires users).
func (cc Console) validate() problems {
	var p problems
	if _, _, err := net.SplitHostPort(cc.Addr); err != nil {
		p.add("console.addr", "want host:port (e.g. 127.0.0.1:8080)")
	}
	if cc.MaxUploadBytes < 1 {
		p.add("console.max_upload_bytes", "must be at least 1, got %d", cc.MaxUploadBytes)
	}
	if cc.SessionKey != "" && len(cc.SessionKey) < minSessionKey {
		p.add("console.session_key", "must be at least %d characters (or empty for a random key per process)", minSessionKey)
	}
	if cc.SessionTTL < time.Minute {
		p.add("console.session_ttl", "must be at least 1m, got %s", cc.SessionTTL)
	}
	if h := cc.ProxyUserHeader; h != "" && strings.ContainsAny(h, " :\t\r\n") {
		p.add("console.proxy_user_header", "%q is not a header name", h)
	}
	return p
}

// ValidateConsole is Validate plus what the console needs to start: at least one user.
func (c Config) ValidateConsole() error {
	errs := []error{c.Validate()}
	users, err := c.ConsoleUsers()
	errs = append(errs, err)
	if err == nil && len(users) == 0 {
		errs = append(errs, fieldErr("console.users", "no users: add at least one line \"name roles bcrypt-hash\" (see docs/console.md)"))
	}
	return errors.Join(errs...)
}

// ConsoleOptions maps the console.* keys, the queue names, the enqueue keys and the configured
// job size limit to pkg/console's Options (call ValidateConsole first).
func (c Config) ConsoleOptions(audit zerolog.Logger) (console.Options, error) {
	users, err := c.ConsoleUsers()
	if err != nil {
		return console.Options{}, err
	}
	return console.Options{
		Approvals:       c.Console.Approvals,
		Users:           users,
		ProxyUserHeader: c.Console.ProxyUserHeader,
		MaxUploadBytes:  c.Console.MaxUploadBytes,
		SessionKey:      []byte(c.Console.SessionKey),
		SessionTTL:      c.Console.SessionTTL,
		SecureCookies:   c.Console.SecureCookies,
		Names:           c.QueueNames(),
		Replicas:        c.Streams.Replicas,
		ChunkSize:       c.Enqueue.ChunkSize,
		Window:          c.Enqueue.PublishWindow,
		MaxErrors:       c.Enqueue.MaxErrors,
		Limit:           batch.JobLimit{Bytes: int(c.Streams.MaxMsgSize), Source: "the configured streams.max_msg_size allows"},
		Audit:           audit,
	}, nil
}
