package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// binary is the console command built once for the CLI tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "console-bin-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "console")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build console: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "hash-password")
	cmd.Stdin = strings.NewReader("correct horse\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := bcrypt.CompareHashAndPassword(bytes.TrimSpace(out), []byte("correct horse")); err != nil {
		t.Errorf("hash %q does not match the password: %v", out, err)
	}
	cmd = exec.Command(binary, "hash-password")
	cmd.Stdin = strings.NewReader("short\n")
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 2 {
		t.Errorf("short password: %v, want exit code 2", err)
	}
}

func TestConfigErrorsExit2(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, nil, "console.users"},
		{[]string{"PAYRUN_CONSOLE_USERS=ann viewer plain"}, nil, "bcrypt"},
		{nil, []string{"--bogus"}, "bogus"},
		{[]string{"PAYRUN_CONSOLE_USERS=ann viewer -", "PAYRUN_SECURITY_DATA_KEY_FILE=/nonexistent/key"}, nil, "security.data_key_file"},
	} {
		cmd := exec.Command(binary, tc.args...)
		cmd.Env = append(os.Environ(), tc.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v %v: exit %d, stderr %s; want 2 and %q", tc.env, tc.args, cmd.ProcessState.ExitCode(), stderr.String(), tc.want)
		}
	}
}

var urlRE = regexp.MustCompile(`console listening on (http://\S+)`)

// The binary serves the sign-in page against NATS and shuts down cleanly on SIGTERM.
func TestServeAndShutdown(t *testing.T) {
	t.Parallel()
	srv, _, _ := queuetest.Start(t)
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "PAYRUN_NATS_URL="+srv.ClientURL(), "PAYRUN_CONSOLE_USERS=ann submitter "+string(h), "PAYRUN_LOG_LEVEL=warn")
	stdout, _ := cmd.StdoutPipe()
	rest := &testlog.Buffer{}
	cmd.Stderr = rest
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var url string
	for url == "" && lines.Scan() {
		if m := urlRE.FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
	}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, stdout); close(copied) }()
	if url == "" {
		t.Fatal("the console never said where it listens")
	}
	resp, err := http.Get(url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `<label for="password">`) {
		t.Errorf("login page: %d: %s", resp.StatusCode, body)
	}
	// An action is audited even at log level warn.
	resp, err = http.PostForm(url+"/login", map[string][]string{"user": {"ann"}, "password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	<-copied
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v, want exit 0", err)
	}
	if audit := rest.String(); !strings.Contains(audit, `"audit":"login"`) || strings.Contains(audit, `"level":"info","cmd":"console","url"`) {
		t.Errorf("want the audit event and no info log at log level warn: %s", audit)
	}
}
