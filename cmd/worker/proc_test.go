package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is one process of a test binary; its stderr (the worker's JSON log) goes to a file.
type proc struct {
	t      testing.TB
	name   string
	cmd    *exec.Cmd
	log    string
	stdout *strings.Builder
	done   chan struct{}
	state  *os.ProcessState
	killed bool // SIGKILLed by the test (its log ends mid-work on purpose)
}

// processEnv is the test's environment without PAYRUN_* variables, plus extra.
func processEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PAYRUN_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// startProc runs the worker binary with args; see startBinary.
func startProc(t testing.TB, name string, args, environ []string) *proc {
	t.Helper()
	return startBinary(t, workerBinary(t), name, args, environ)
}

// startBinary runs bin with args; the process is killed at cleanup if it still runs, and the
// end of its log is printed if the test failed, unless the test itself SIGKILLed it.
func startBinary(t testing.TB, bin, name string, args, environ []string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, log: logPath, stdout: &strings.Builder{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = processEnv(environ)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, f
	if err := p.cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		f.Close()
		p.state = p.cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		killedByTest := p.killed
		p.signal(syscall.SIGKILL)
		<-p.done
		if t.Failed() && !killedByTest {
			p.dumpLog(40)
		}
	})
	return p
}

func (p *proc) signal(sig os.Signal) {
	if p.running() {
		_ = p.cmd.Process.Signal(sig)
	}
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.killed = true
	p.signal(syscall.SIGKILL)
	<-p.done
}

// wait waits up to timeout for the process to exit; it returns the exit code (-1 when a
// signal ended it) and whether it exited in time.
func (p *proc) wait(timeout time.Duration) (int, bool) {
	select {
	case <-p.done:
		return p.state.ExitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// waitLog polls the process log until a line contains msg, failing after timeout.
func (p *proc) waitLog(msg string, timeout time.Duration) string {
	p.t.Helper()
	line, ok := p.pollLog(msg, time.Now().Add(timeout))
	if !ok {
		p.t.Fatalf("%s: no log line %q (running: %t)", p.name, msg, p.running())
	}
	return line
}

// pollLog polls the process log until a line contains msg; false when the process exited
// without writing one or the deadline passed.
func (p *proc) pollLog(msg string, deadline time.Time) (string, bool) {
	for {
		if line, ok := logLine(p.log, msg); ok {
			return line, true
		}
		if !p.running() || time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *proc) dumpLog(lines int) {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return
	}
	all := strings.Split(strings.TrimSpace(string(data)), "\n")
	all = all[max(0, len(all)-lines):]
	p.t.Logf("--- %s log (last %d lines) ---\n%s", p.name, len(all), strings.Join(all, "\n"))
}

// exitError reports the exit code of a finished exec.Cmd.Run error (0 for nil).
func exitError(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -2
	}
	return 0
}
