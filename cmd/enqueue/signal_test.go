package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/testlog"
)

// spoolProc is an enqueue process reading stdin (a pipe the test holds open) or a file, with its
// own TMPDIR.
type spoolProc struct {
	cmd    *exec.Cmd
	tmp    string
	stdin  *os.File // write end, nil when reading a file
	stderr testlog.Buffer
	done   chan error
}

func startSpool(t *testing.T, file string, env ...string) *spoolProc {
	t.Helper()
	p := &spoolProc{tmp: t.TempDir(), done: make(chan error, 1)}
	p.cmd = exec.Command(binary, "--nats-url", "nats://127.0.0.1:1", file)
	p.cmd.Env = append(append(cleanEnv(), "TMPDIR="+p.tmp), env...)
	p.cmd.Stderr = &p.stderr
	if file == "-" {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		p.cmd.Stdin, p.stdin = pr, pw
		t.Cleanup(func() { pw.Close() })
		defer pr.Close()
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

// waitSpooling polls until the process holds its private copy: an open descriptor of a deleted
// file in its TMPDIR. The directory itself must be empty at that moment.
func (p *spoolProc) waitSpooling(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", p.cmd.Process.Pid))
		for _, fd := range fds {
			if target, err := os.Readlink(fd); err == nil && strings.HasPrefix(target, p.tmp) && strings.HasSuffix(target, "(deleted)") {
				if es, _ := os.ReadDir(p.tmp); len(es) != 0 {
					t.Fatalf("TMPDIR holds %v while the copy is open", es)
				}
				return
			}
		}
		time.Sleep(10 * time.Millisecond) // polling /proc: nothing to wait on
	}
	t.Fatalf("no private copy opened; stderr:\n%s", p.stderr.String())
}

func (p *spoolProc) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return 0
	case <-time.After(within):
		t.Fatalf("enqueue still running %s after the signal; stderr:\n%s", within, p.stderr.String())
		return -1
	}
}

func requireProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc")
	}
}

// SIGKILL while stdin is being copied leaves nothing behind: the copy was unlinked when created.
func TestSpoolVanishesOnSIGKILL(t *testing.T) {
	t.Parallel()
	requireProc(t)
	p := startSpool(t, "-")
	if _, err := p.stdin.WriteString("client_orderid,amount,currency,credit_card_number\no1,1.00,USD,4111111111111111\n"); err != nil {
		t.Fatal(err)
	}
	p.waitSpooling(t)
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, 10*time.Second)
	if es, _ := os.ReadDir(p.tmp); len(es) != 0 {
		t.Errorf("TMPDIR holds %v after SIGKILL", es)
	}
}

// SIGTERM and SIGINT end enqueue while it copies a stdin that never ends, and while it copies an
// endless file (/dev/zero) under a large bound; exit 1, nothing left behind.
func TestSignalsEndTheCopy(t *testing.T) {
	t.Parallel()
	requireProc(t)
	for _, tc := range []struct {
		name string
		file string
		sig  syscall.Signal
	}{
		{"SIGTERM on a blocked stdin", "-", syscall.SIGTERM},
		{"SIGINT on a blocked stdin", "-", syscall.SIGINT},
		{"SIGTERM on /dev/zero", "/dev/zero", syscall.SIGTERM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startSpool(t, tc.file, "PAYRUN_ENQUEUE_MAX_FILE_BYTES=100000000000")
			p.waitSpooling(t)
			_ = p.cmd.Process.Signal(tc.sig)
			if code := p.wait(t, 10*time.Second); code != 1 {
				t.Errorf("exit code %d, want 1; stderr:\n%s", code, p.stderr.String())
			}
			if es, _ := os.ReadDir(p.tmp); len(es) != 0 {
				t.Errorf("TMPDIR holds %v", es)
			}
		})
	}
}

// An input past enqueue.max_file_bytes is refused (exit 3) without copying the rest.
func TestInputBound(t *testing.T) {
	t.Parallel()
	r := enqueue(t, []string{"PAYRUN_ENQUEUE_MAX_FILE_BYTES=1000000"}, "", "/dev/zero")
	r.expect(t, 3, nil, []string{"more than 1000000 bytes", "enqueue.max_file_bytes"})
	big := writeFile(t, "big.csv", "client_orderid,amount,currency,account_number\n"+strings.Repeat("o,1.00,USD,1234567890\n", 100), 0o600)
	r = enqueue(t, []string{"PAYRUN_ENQUEUE_MAX_FILE_BYTES=1000"}, "", "--dry-run", big)
	r.expect(t, 3, nil, []string{"1000"})
	r = enqueue(t, []string{"PAYRUN_ENQUEUE_MAX_FILE_BYTES=1000"}, strings.Repeat("x", 2000), "-")
	r.expect(t, 3, nil, []string{"more than 1000 bytes"})
}
