package stack

import (
	"context"
	"fmt"
	"net"

	"golang.org/x/crypto/bcrypt"

	"github.com/payrun/payrun/pkg/console"
)

// DemoPassword is the demo console users' password; the demo serves on loopback only.
const DemoPassword = "demo"

// demoUsers are the demo console's users, one per role, so that four eyes can be tried.
var demoUsers = []struct{ name, roles string }{
	{"submitter", "submitter"},
	{"approver", "approver"},
	{"operator", "operator"},
}

// CheckConsoleAddr refuses a demo console address that is not host:port on a loopback host: the
// demo users' password is printed on the terminal.
func CheckConsoleAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port, e.g. 127.0.0.1:8080", addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q: the demo console listens on a loopback address only (127.0.0.1, ::1, localhost)", addr)
	}
	return nil
}

// ServeConsole serves the web console over the demo's stack on addr (see CheckConsoleAddr) until
// ctx ends: approvals on, one demo user per role (password "demo"), audit log on the demo's
// logger. announce is called with the console's URL and the demo users' credentials once it listens.
func (d *Demo) ServeConsole(ctx context.Context, addr string, announce func(url, users string)) error {
	s := d.s
	cfg := s.cfg
	cfg.Console.Approvals = true
	cfg.Console.Users = ""
	for _, u := range demoUsers {
		h, err := bcrypt.GenerateFromPassword([]byte(DemoPassword), bcrypt.MinCost)
		if err != nil {
			return fmt.Errorf("demo console: %w", err)
		}
		cfg.Console.Users += u.name + " " + u.roles + " " + string(h) + "\n"
	}
	opts, err := cfg.ConsoleOptions(component(s.log, "console-audit"))
	if err != nil {
		return fmt.Errorf("demo console: %w", err)
	}
	if s.keys.keys != nil {
		opts.Keys = s.keys.keys // the demo's key: waiting files and jobs sealed as the demo batch's
	}
	srv, err := console.New(ctx, s.js, s.handles, opts)
	if err != nil {
		return fmt.Errorf("demo console: %w", err)
	}
	return console.Serve(ctx, addr, srv, func(url string) {
		announce(url, fmt.Sprintf("users submitter, approver, operator; password %q", DemoPassword))
	})
}
