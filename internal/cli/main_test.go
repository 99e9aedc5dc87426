package cli_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/cli"
)

// helperEnv makes this test binary run cli.Main as a process (TestMain) instead of the tests.
const helperEnv = "PAYRUN_CLI_TEST_MAIN"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "ok":
		cli.Main("helper", cli.ExitCode, func(context.Context) error { return nil })
	case "usage":
		cli.Main("helper", cli.ExitCode, func(context.Context) error { return fmt.Errorf("%w: bad flag", cli.ErrUsage) })
	case "reported":
		cli.Main("helper", cli.ExitCode, func(context.Context) error {
			return fmt.Errorf("%w: %w", cli.ErrReported, errors.New("said already"))
		})
	case "own table":
		cli.Main("helper", func(error) int { return 6 }, func(context.Context) error { return errors.New("timed out") })
	case "second-signal":
		cli.Main("helper", cli.ExitCode, func(ctx context.Context) error {
			fmt.Println("ready")
			<-ctx.Done()
			// The second signal comes the moment run sees the first one: the process must die of it.
			if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
				return err
			}
			<-time.After(10 * time.Second) // the bound of the failure: a swallowed signal
			return errors.New("the second signal was swallowed")
		})
	default:
		os.Exit(m.Run())
	}
	os.Exit(0)
}

// helper runs this test binary as a process running cli.Main in the given mode.
func helper(mode string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	return cmd
}

// TestMainExit: Main prints "name: error" on stderr (unless the error was reported already) and
// exits with the code the exit function gives.
func TestMainExit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode   string
		code   int
		stderr string
	}{
		{"ok", 0, ""},
		{"usage", 2, "helper: usage: bad flag\n"},
		{"reported", 1, ""},
		{"own table", 6, "helper: timed out\n"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			cmd := helper(tc.mode)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != tc.code || stderr.String() != tc.stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr.String(), tc.code, tc.stderr)
			}
		})
	}
}

// TestSecondSignalForcesExit runs cli.Main in a process (this test binary) whose run sends the
// second signal to itself as soon as its context ends on the first: Go's default handling must
// already be back, so the process dies of the second signal instead of running on. GOMAXPROCS=1
// makes the scheduling that used to swallow the second signal the usual one.
func TestSecondSignalForcesExit(t *testing.T) {
	t.Parallel()
	for _, first := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(first.String(), func(t *testing.T) {
			t.Parallel()
			cmd := helper("second-signal", "GOMAXPROCS=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill() // no-op once it exited
			if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
				t.Fatalf("helper said %q, %v", line, err)
			}
			if err := cmd.Process.Signal(first); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("exit: %v, want killed by SIGTERM", err)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
				t.Errorf("exit: %v, want killed by the second signal (SIGTERM)", err)
			}
		})
	}
}
