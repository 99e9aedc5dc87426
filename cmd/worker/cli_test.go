package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/payrun/payrun/configs"
	"github.com/payrun/payrun/pkg/job"
)

// TestUsageAndConfigErrors runs the binary with bad flags, config keys and environment values:
// exit code 2 and a message that names the flag, key or variable.
func TestUsageAndConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := write("typo.yaml", "worker:\n  ack_wiat: 3s\n")
	rule := write("rule.yaml", "gateway:\n  http_timeout: 40s\nworker:\n  sandbox: true\n")
	tests := []struct {
		name    string
		args    []string
		env     []string
		want    []string // substrings of stderr
		notWant string
	}{
		{"unknown key", []string{"--config", typo}, nil, []string{`unknown key "worker.ack_wiat"`, `did you mean "worker.ack_wait"`}, ""},
		{"bad env value", []string{"--sandbox"}, []string{"PAYRUN_CONCURRENCY=many"}, []string{"worker.concurrency", "PAYRUN_CONCURRENCY", `"many"`}, ""},
		{"unknown env variable", []string{"--sandbox"}, []string{"PAYRUN_CONCURENCY=4"}, []string{"PAYRUN_CONCURENCY"}, ""},
		{"missing gateway keys", nil, nil, []string{"gateway.url", "gateway.login", "gateway.private_key_file", "gateway.endpoint_id"}, ""},
		{"rule between keys", []string{"--config", rule}, nil, []string{"worker.ack_wait", "gateway.http_timeout"}, ""},
		{"settle delay vs http timeout", []string{"--sandbox"}, []string{"PAYRUN_SETTLE_DELAY=5s"}, []string{"worker.settle_delay", "(PAYRUN_SETTLE_DELAY)"}, "PAYRUN_WORKER_SETTLE_DELAY"},
		{"secret never echoed", []string{"--sandbox"}, []string{"PAYRUN_NATS_TOKEN=s3cr3t-token", "PAYRUN_NATS_USER=u"}, []string{"nats.creds_file"}, "s3cr3t-token"},
		{"unknown flag", []string{"--bogus"}, nil, []string{"-bogus"}, ""},
		{"stray argument", []string{"payout"}, nil, []string{"unexpected arguments"}, ""},
		{"missing config file", []string{"--config", filepath.Join(dir, "none.yaml")}, nil, []string{"none.yaml"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			cmd := exec.Command(workerBinary(t), tt.args...)
			cmd.Env = processEnv(tt.env)
			cmd.Stderr = &stderr
			code := exitError(cmd.Run())
			if code != 2 {
				t.Fatalf("exit code %d, want 2; stderr:\n%s", code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not name %q:\n%s", w, stderr.String())
				}
			}
			if tt.notWant != "" && strings.Contains(stderr.String(), tt.notWant) {
				t.Errorf("stderr shows %q:\n%s", tt.notWant, stderr.String())
			}
		})
	}
}

// demoRow is one parsed row of the demo's result table.
type demoRow struct{ line, id, status, amount, destination string }

var spaces = regexp.MustCompile(`\s{2,}`)

// TestDemo runs `worker -demo` (the README's first command) and checks its output against the
// embedded example batch and the sandbox scenario.
func TestDemo(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(workerBinary(t), "-demo")
	cmd.Env = processEnv([]string{"TMPDIR=" + t.TempDir()})
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("worker -demo: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("demo output:\n%s", out)

	// What the demo must show: one row per CSV row, status by the sandbox scenario.
	want := map[string]job.Status{}
	wantAmount := map[string]string{}
	r := job.NewReader(bytes.NewReader(configs.ExamplePayroll), "example")
	for {
		j, err := r.Next()
		if err != nil {
			break
		}
		st := job.StatusApproved
		switch j.Param("account_number") {
		case "0987654321":
			st = job.StatusDeclined
		case "1987654321":
			st = job.StatusError
		}
		want[j.ClientOrderID] = st
		wantAmount[j.ClientOrderID] = j.Amount.String() + " " + j.Amount.Currency
	}
	if len(want) != 10 {
		t.Fatalf("example batch has %d rows, want 10", len(want))
	}

	rows := map[string]demoRow{}
	inTable, counts := false, map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "LINE"):
			inTable = true
			continue
		case inTable && strings.TrimSpace(line) == "":
			inTable = false
			continue
		}
		if inTable {
			f := spaces.Split(strings.TrimSpace(line), -1)
			if len(f) != 7 {
				t.Fatalf("table row with %d columns: %q", len(f), line)
			}
			if _, dup := rows[f[1]]; dup {
				t.Errorf("row %s printed twice", f[1])
			}
			rows[f[1]] = demoRow{line: f[0], id: f[1], status: f[2], amount: f[3], destination: f[5]}
			continue
		}
		if f := strings.Fields(line); len(f) >= 2 && job.Status(f[0]).Valid() {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("summary line %q: %v", line, err)
			}
			counts[f[0]] = n
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("%d result rows, want %d", len(rows), len(want))
	}
	wantCounts := map[string]int{}
	for id, st := range want {
		wantCounts[string(st)]++
		got, ok := rows[id]
		switch {
		case !ok:
			t.Errorf("%s: no result row", id)
		case got.status != string(st):
			t.Errorf("%s: status %s, want %s", id, got.status, st)
		case got.amount != wantAmount[id]:
			t.Errorf("%s: amount %q, want %q", id, got.amount, wantAmount[id])
		case strings.Contains(got.destination, "1234567890") || strings.Contains(got.destination, "4111111111111111"):
			t.Errorf("%s: destination %q is not masked", id, got.destination)
		}
	}
	for st, n := range wantCounts {
		if counts[st] != n {
			t.Errorf("summary: %s %d, want %d", st, counts[st], n)
		}
	}
	if !strings.Contains(out, "batch example-payroll: 10 rows") {
		t.Errorf("no batch summary header in the output")
	}
}

// Every command and subcommand answers --help (and `help CMD`) with exit 0, its usage, the
// environment and the exit codes; --version and `version` print the build.
func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "usage: worker [--config FILE]"},
		{[]string{"help"}, "usage: worker [--config FILE]"},
		{[]string{"pause", "--help"}, "usage: worker pause"},
		{[]string{"help", "pause"}, "usage: worker pause"},
		{[]string{"resume", "-h"}, "usage: worker resume"},
		{[]string{"status", "--help"}, "usage: worker status"},
		{[]string{"help", "status"}, "usage: worker status"},
		{[]string{"sign", "--help"}, "usage: worker sign"},
		{[]string{"help", "sign"}, "usage: worker sign"},
		{[]string{"--version"}, "payrun-worker "},
		{[]string{"version"}, "payrun-worker "},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(workerBinary(t), tc.args...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("exit %v, want 0 and %q:\n%s", err, tc.want, out)
			}
			if strings.HasPrefix(tc.want, "usage:") && (!strings.Contains(string(out), "Environment:") || !strings.Contains(string(out), "Exit codes:")) {
				t.Errorf("help without environment or exit codes:\n%s", out)
			}
			if strings.HasPrefix(tc.want, "payrun-worker") && !strings.Contains(string(out), "go1.") {
				t.Errorf("version without the Go version: %s", out)
			}
		})
	}
	cmd := exec.Command(workerBinary(t), "help", "bogus")
	if code := exitError(cmd.Run()); code != 2 {
		t.Errorf("help bogus: exit %d, want 2", code)
	}
}
