package main

import (
	"bufio"
	"bytes"
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

	"go.uber.org/goleak"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/internal/testbin"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/submit"
)

// bins builds the real command once for every test that runs it.
var bins testbin.Set

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		bins.Cleanup()
		os.Exit(code)
	}))
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},
		{"--login", "x"},
		{"--public-key", "x"},
		{"--no-such-flag"},
		{"extra-arg"},
		{"--public-key", "x", "--login", "x", "--fault-5xx-codes", "500,404"},
		{"--public-key", "x", "--login", "x", "--fault-5xx-codes", "5o3"},
	} {
		err := run(context.Background(), args, nil, io.Discard, io.Discard)
		if !errors.Is(err, cli.ErrUsage) {
			t.Errorf("%v: err %v, want a usage error", args, err)
		}
	}
}

func TestGenerateKeyRefusesOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := run(context.Background(), []string{"--generate-key", dir}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, privateKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v, %v", fi, err)
	}
	key, warnings, err := signer.LoadPrivateKeyFile(filepath.Join(dir, privateKeyFile))
	if err != nil || key.N.BitLen() != 2048 || len(warnings) != 0 {
		t.Fatalf("generated key: %v, warnings %v", err, warnings)
	}
	if err := run(context.Background(), []string{"--generate-key", dir}, nil, io.Discard, io.Discard); !errors.Is(err, os.ErrExist) {
		t.Errorf("second generation: %v, want an exists error", err)
	}
}

// TestBinary builds the real command, generates a key pair with it, serves with it and pays
// through it with pkg/submit, then stops it with SIGTERM.
func TestBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := bins.Build(t, ".")
	if out, err := exec.Command(bin, "--generate-key", dir).CombinedOutput(); err != nil {
		t.Fatalf("--generate-key: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "--help").CombinedOutput(); err != nil || !strings.Contains(string(out), "Exit codes") || !strings.Contains(string(out), "Environment") {
		t.Errorf("--help: %v (want exit 0, exit codes and environment)\n%s", err, out)
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.HasPrefix(string(out), "payrun-sandbox ") || !strings.Contains(string(out), "go1.") {
		t.Errorf("--version: %v %q", err, out)
	}

	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--public-key", filepath.Join(dir, publicKeyFile), "--login", "CLIMerchant", "--processing-polls", "1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // no-op once it exited
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("no output; stderr: %s", stderr.String())
	}
	first := lines.Text()
	const prefix = "sandbox: listening on "
	if !strings.HasPrefix(first, prefix) {
		t.Fatalf("first line %q", first)
	}
	baseURL := strings.Fields(strings.TrimPrefix(first, prefix))[0]

	key, _, err := signer.LoadPrivateKeyFile(filepath.Join(dir, privateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	sg, err := signer.New(key, "CLIMerchant")
	if err != nil {
		t.Fatal(err)
	}
	c, err := submit.NewClient(submit.Options{BaseURL: baseURL, EndpointID: "1", Login: "CLIMerchant", Timeout: 5 * time.Second}, sg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	res, err := c.Payout(ctx, []signer.Param{
		{Name: "client_orderid", Value: "cli-1"}, {Name: "amount", Value: "5.00"},
		{Name: "currency", Value: "USD"}, {Name: "account_number", Value: "1234567890"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"processing", "approved"} {
		st, err := c.Status(ctx, submit.StatusQuery{ClientOrderID: "cli-1", OrderID: res.OrderID})
		if err != nil || st.Status != want {
			t.Fatalf("status %+v, %v; want %s", st, err, want)
		}
	}

	statsRes, err := http.Get(strings.TrimSuffix(baseURL, sandbox.BasePath) + "/sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	var stats sandbox.Stats
	err = json.NewDecoder(statsRes.Body).Decode(&stats)
	statsRes.Body.Close()
	if err != nil || stats.Orders != 1 || stats.Requests != 3 || stats.Duplicates != 0 {
		t.Errorf("stats %+v, %v", stats, err)
	}
	http.DefaultClient.CloseIdleConnections()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(string(rest), "shutting down") {
		t.Errorf("no shutdown line in %q", rest)
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := run(context.Background(), []string{"--generate-key", dir}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--public-key", filepath.Join(dir, publicKeyFile), "--login", "m", "--fault-5xx-before", "1", "--fault-5xx-codes", "503"}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Fields(strings.TrimPrefix(line, "sandbox: listening on "))[0]
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Post(base+"/api/v4/payout/1", "application/x-www-form-urlencoded", strings.NewReader("a=b"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("with --fault-5xx-before 1 --fault-5xx-codes 503: HTTP %d", res.StatusCode)
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
