package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// The -update flag rewrites golden files. Another test file of this package may define it
// too, so it is defined only when absent and read through flag.Lookup.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// signArgs returns the sign command line for v with the test key (without the leading "sign").
func signArgs(t testing.TB, v signertest.Vector, extra ...string) []string {
	a := []string{"--key", signertest.PrivateKeyFile(t), "--login", v.ConsumerKey, "--url", v.URL,
		"--nonce", v.Nonce, "--timestamp", v.Timestamp}
	a = append(a, extra...)
	for _, p := range v.Params {
		a = append(a, p[0]+"="+p[1])
	}
	return a
}

// checkSignJSON decodes the --json output and compares it with the vector, requiring exactly
// the documented keys.
func checkSignJSON(t *testing.T, v signertest.Vector, out []byte) {
	t.Helper()
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output is not one JSON object of strings: %v\n%s", err, out)
	}
	var body strings.Builder
	for i, p := range v.Params {
		if i > 0 {
			body.WriteByte('&')
		}
		body.WriteString(signer.PercentEncode(p[0]) + "=" + signer.PercentEncode(p[1]))
	}
	want := map[string]string{
		"normalized_parameters": v.NormalizedParameters,
		"signature_base_string": v.SignatureBaseString,
		"signature_base64":      v.SignatureBase64,
		"signature_hex":         v.SignatureHex,
		"authorization_header":  v.AuthorizationHeader,
		"body":                  body.String(),
	}
	if len(got) != len(want) {
		t.Errorf("keys: got %d, want %d: %v", len(got), len(want), got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s:\n got %q\nwant %q", k, got[k], w)
		}
	}
}

func TestSignVectorsInProcess(t *testing.T) {
	t.Parallel()
	for _, v := range signertest.Vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if err := runSign(context.Background(), signArgs(t, v, "--json"), nil, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			checkSignJSON(t, v, stdout.Bytes())
		})
	}
}

func TestSignHumanGolden(t *testing.T) {
	t.Parallel()
	for _, v := range signertest.Vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if err := runSign(context.Background(), signArgs(t, v), nil, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			golden := filepath.Join("testdata", "sign", v.Name+".golden")
			if updateGolden() {
				if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				t.Errorf("output differs from %s:\n%s", golden, stdout.String())
			}
			// The golden text must hold the vector's outputs, so -update cannot bless a wrong one.
			for _, s := range []string{v.NormalizedParameters, v.SignatureBaseString, v.SignatureHex, v.SignatureBase64, "Authorization: " + v.AuthorizationHeader} {
				if !bytes.Contains(want, []byte("\n"+s+"\n")) {
					t.Errorf("%s lacks line %q", golden, s)
				}
			}
		})
	}
}

// TestSignFresh: without --nonce/--timestamp every run signs with a new nonce.
func TestSignFresh(t *testing.T) {
	t.Parallel()
	headers := map[string]bool{}
	for range 3 {
		var stdout, stderr bytes.Buffer
		args := []string{"--key", signertest.PrivateKeyFile(t), "--login", "M", "--url", "https://h.example/p", "--json", "a=1"}
		if err := runSign(context.Background(), args, nil, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		var d signer.Debug
		if err := json.Unmarshal(stdout.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		h, err := signer.ParseAuthorizationHeader(d.AuthorizationHeader)
		if err != nil {
			t.Fatal(err)
		}
		if len(h["oauth_nonce"]) != 32 || h["oauth_timestamp"] == "" {
			t.Fatalf("nonce %q timestamp %q", h["oauth_nonce"], h["oauth_timestamp"])
		}
		headers[h["oauth_nonce"]] = true
	}
	if len(headers) != 3 {
		t.Fatalf("nonces repeat: %v", headers)
	}
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	key := signertest.PrivateKeyFile(t)
	base := []string{"--key", key, "--login", "M", "--url", "https://h.example/p"}
	tests := []struct {
		name    string
		args    []string
		usage   bool
		mention string
		is      error
	}{
		{"no flags", nil, true, "--key", nil},
		{"missing login", []string{"--key", key, "--url", "https://h/p"}, true, "--login", nil},
		{"no equals", append(base, "a=1", "orphan"), true, `"orphan"`, nil},
		{"empty name", append(base, "=v"), true, `"=v"`, nil},
		{"flag after params", append(base, "a=1", "--json"), true, `"--json"`, nil},
		{"unknown flag", append([]string{"--bogus"}, base...), true, "bogus", nil},
		{"bad timestamp", append(base, "--timestamp", "yesterday"), true, "yesterday", nil},
		{"empty nonce", append(base, "--nonce", ""), true, "--nonce", nil},
		{"query in url", []string{"--key", key, "--login", "M", "--url", "https://h/p?x=1"}, true, "query", signer.ErrInvalidURL},
		{"oauth param", append(base, "oauth_nonce=x"), true, "oauth_nonce", signer.ErrInvalidParam},
		{"missing key", []string{"--key", "testdata/sign/no-such.pem", "--login", "M", "--url", "https://h/p"}, false, "no-such.pem", signer.ErrKeyMissing},
		{"not a key", []string{"--key", "main.go", "--login", "M", "--url", "https://h/p"}, false, "", signer.ErrNotPEM},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := runSign(context.Background(), tt.args, nil, &stdout, &stderr)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if errors.Is(err, cli.ErrUsage) != tt.usage {
			t.Errorf("%s: usage=%v, want %v: %v", tt.name, errors.Is(err, cli.ErrUsage), tt.usage, err)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: %v does not wrap %v", tt.name, err, tt.is)
		}
		if !strings.Contains(err.Error()+stderr.String(), tt.mention) {
			t.Errorf("%s: %q does not mention %q", tt.name, err, tt.mention)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: wrote to stdout: %q", tt.name, stdout.String())
		}
	}
}

// TestSignBinary runs the real worker binary (built once for the package) and checks every vector, the exit code of
// a usage mistake and the key-mode warning through it.
func TestSignBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker binary")
	}
	t.Parallel()
	bin := workerBinary(t)
	for _, v := range signertest.Vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"sign"}, signArgs(t, v, "--json")...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			checkSignJSON(t, v, out)
		})
	}
	t.Run("usage exit code", func(t *testing.T) {
		cmd := exec.Command(bin, "sign", "--key", signertest.PrivateKeyFile(t), "--login", "M", "--url", "https://h/p", "novalue")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Fatalf("exit: %v, want code 2", err)
		}
		if !strings.Contains(stderr.String(), `"novalue"`) {
			t.Fatalf("stderr does not name the parameter: %s", stderr.String())
		}
	})
	t.Run("readable key warning", func(t *testing.T) {
		key := signertest.PrivateKeyFile(t)
		if err := os.Chmod(key, 0o640); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "sign", "--key", key, "--login", "M", "--url", "https://h/p", "a=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "warning") || !strings.Contains(stderr.String(), "0640") {
			t.Fatalf("no mode warning on stderr: %q", stderr.String())
		}
	})
}
