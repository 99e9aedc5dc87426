package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/payrun/payrun/internal/cli"
)

// --console belongs to --demo and listens on loopback only (the demo password is printed).
func TestDemoConsoleFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--demo", "--console", "127.0.0.1:8080"}, true},
		{[]string{"--demo", "--console", "localhost:0"}, true},
		{[]string{"--demo", "--console", "[::1]:8080"}, true},
		{[]string{"--console", "127.0.0.1:8080"}, false},
		{[]string{"--demo", "--console", "0.0.0.0:8080"}, false},
		{[]string{"--demo", "--console", "10.1.2.3:8080"}, false},
		{[]string{"--demo", "--console", "8080"}, false},
	} {
		f, err := parseWorkerFlags(tc.args, &strings.Builder{})
		if tc.ok && (err != nil || f.console == "") {
			t.Errorf("%v: %v", tc.args, err)
		}
		if !tc.ok && (!errors.Is(err, cli.ErrUsage) || cli.ExitCode(err) != 2) {
			t.Errorf("%v: %v, want a usage error", tc.args, err)
		}
	}
}

func TestFlagsOverrideConfig(t *testing.T) {
	t.Parallel()
	env := []string{"PAYRUN_SETTLE_DELAY=30s", "PAYRUN_WORKER_SANDBOX=false", "PAYRUN_GATEWAY_URL=https://gw.example/paynet",
		"PAYRUN_LOGIN=m", "PAYRUN_PRIVATE_KEY_FILE=k.pem", "PAYRUN_ENDPOINT_ID=1"}
	f, err := parseWorkerFlags([]string{"--sandbox", "--store-dir", "/tmp/store"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(f, env)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Worker.Sandbox || !cfg.Worker.Embedded || cfg.Worker.StoreDir != "/tmp/store" {
		t.Errorf("flags not applied: sandbox %t, embedded %t, store %q", cfg.Worker.Sandbox, cfg.Worker.Embedded, cfg.Worker.StoreDir)
	}
	if _, err := parseWorkerFlags([]string{"extra"}, &strings.Builder{}); !errors.Is(err, cli.ErrUsage) || cli.ExitCode(err) != 2 {
		t.Errorf("stray argument: %v", err)
	}
}
