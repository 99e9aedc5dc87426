package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/sandbox"
)

// TestSecondSignalForcesExit holds the real binary's graceful shutdown with a request stuck in
// --fault-latency, sends the first signal, waits for the shutdown line and sends a second one:
// the process must end killed by the second signal instead of finishing its shutdown.
func TestSecondSignalForcesExit(t *testing.T) {
	t.Parallel()
	bin := bins.Build(t, ".")
	dir := t.TempDir()
	if err := run(context.Background(), []string{"--generate-key", dir}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		first, second syscall.Signal
	}{
		{"SIGTERM then SIGINT", syscall.SIGTERM, syscall.SIGINT},
		{"SIGINT then SIGTERM", syscall.SIGINT, syscall.SIGTERM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--public-key", filepath.Join(dir, publicKeyFile), "--login", "m", "--fault-latency", "1h")
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			var stderr testlog.Buffer
			cmd.Stdout, cmd.Stderr = pw, &stderr
			err = cmd.Start()
			pw.Close()
			if err != nil {
				t.Fatal(err)
			}
			var exit error
			exited := make(chan struct{})
			go func() { exit = cmd.Wait(); close(exited) }()
			t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
			lines := bufio.NewScanner(pr)
			if !lines.Scan() {
				t.Fatalf("no output; stderr: %s", stderr.String())
			}
			base := strings.Fields(strings.TrimPrefix(lines.Text(), "sandbox: listening on "))[0]

			tr := &http.Transport{}
			held := make(chan struct{})
			go func() { // answered only when the process ends
				defer close(held)
				if res, err := (&http.Client{Transport: tr}).Post(base+"/api/v4/payout/1", "application/x-www-form-urlencoded", strings.NewReader("a=b")); err == nil {
					res.Body.Close()
				}
			}()
			t.Cleanup(func() { _ = cmd.Process.Kill(); <-held; tr.CloseIdleConnections() })
			statsURL := strings.TrimSuffix(base, sandbox.BasePath) + "/sandbox/stats"
			testwait.Eventually(t, 30*time.Second, "the request to be held by the latency fault", func() bool {
				res, err := (&http.Client{Transport: tr}).Get(statsURL)
				if err != nil {
					return false
				}
				defer res.Body.Close()
				var st sandbox.Stats
				return json.NewDecoder(res.Body).Decode(&st) == nil && st.Faults[string(sandbox.FaultLatency)] == 1
			})
			tr.CloseIdleConnections()

			if err := cmd.Process.Signal(tc.first); err != nil {
				t.Fatal(err)
			}
			if !lines.Scan() || lines.Text() != "sandbox: shutting down" {
				t.Fatalf("after %v: %q, want the shutdown line", tc.first, lines.Text())
			}
			if err := cmd.Process.Signal(tc.second); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(time.Minute):
				t.Fatalf("still running a minute after the second signal; stderr: %s", stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(exit, &ee) {
				t.Fatalf("exit: %v, want killed by %v", exit, tc.second)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != tc.second {
				t.Errorf("exit: %v, want killed by %v; stderr: %s", exit, tc.second, stderr.String())
			}
		})
	}
}
