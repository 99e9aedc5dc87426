package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/seal"
)

// The worker refuses to start, naming the key, without a data key file against a real gateway,
// with a key file others can read, and with a plain http:// gateway beyond loopback; the
// documented opt-outs start it (and it says so).
func TestWorkerCardDataStartRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(dir, "merchant.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.key")
	loose := filepath.Join(dir, "loose.key")
	for _, p := range []string{good, loose} {
		if err := seal.GenerateFile(p, "k1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"PAYRUN_GATEWAY_URL=https://gate.example/paynet", "PAYRUN_ENDPOINT_ID=1", "PAYRUN_LOGIN=m",
		"PAYRUN_PRIVATE_KEY_FILE=" + pemFile, "PAYRUN_NATS_URL=nats://127.0.0.1:1", "PAYRUN_NATS_CONNECT_TIMEOUT=100ms"}
	embedded := func() []string {
		return []string{"PAYRUN_NATS_URL=" + fmt.Sprintf("nats://127.0.0.1:%d", freePort(t)), "PAYRUN_WORKER_EMBEDDED=true",
			"PAYRUN_WORKER_STORE_DIR=" + t.TempDir(), "PAYRUN_WORKER_SANDBOX=true"}
	}
	for _, tc := range []struct {
		name  string
		env   []string
		code  int // 2: refused at start; -1: started (killed by the test once it logged want)
		want  string
		never string
	}{
		{"no data key, real gateway", nil, 2, "security.data_key_file", ""},
		{"key file readable by others", []string{"PAYRUN_DATA_KEY_FILE=" + loose}, 2, "group or others", ""},
		{"plain http to a remote gateway", []string{"PAYRUN_DATA_KEY_FILE=" + good, "PAYRUN_GATEWAY_URL=http://gate.example/paynet"}, 2, "gateway.url", ""},
		{"cleartext opt-out", []string{"PAYRUN_SECURITY_ALLOW_CLEARTEXT_JOBS=true"}, -1, "NO DATA KEY", ""},
		{"insecure http opt-out", []string{"PAYRUN_DATA_KEY_FILE=" + good, "PAYRUN_GATEWAY_URL=http://gate.example/paynet",
			"PAYRUN_GATEWAY_ALLOW_INSECURE_HTTP=true"}, -1, "INSECURE", ""},
		{"key file loaded, never shown", []string{"PAYRUN_DATA_KEY_FILE=" + good}, -1, "data keys loaded", keyMaterial(t, good)},
		{"embedded store encrypted with the key file", append(embedded(), "PAYRUN_DATA_KEY_FILE="+good), -1, `"store_encrypted":true`, ""},
		{"sandbox key kept in the store dir", embedded(), -1, "sandbox-data.key", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := append(append([]string(nil), base...), tc.env...)
			if tc.code == 2 {
				var stderr bytes.Buffer
				cmd := exec.Command(workerBinary(t))
				cmd.Env, cmd.Stderr = processEnv(env), &stderr
				if code := exitError(cmd.Run()); code != 2 || !strings.Contains(stderr.String(), tc.want) {
					t.Fatalf("exit %d, want 2 naming %q:\n%s", code, tc.want, stderr.String())
				}
				return
			}
			p := startProc(t, "w", nil, env)
			p.waitLog(tc.want, 30*time.Second)
			p.kill()
			if tc.never != "" {
				if data, _ := os.ReadFile(p.log); bytes.Contains(data, []byte(tc.never)) {
					t.Error("the log shows the data key")
				}
			}
		})
	}
}

func keyMaterial(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))[1]
}
