package signer

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pemBytes(t *testing.T, typ string, der []byte, headers map[string]string) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	shortPKCS8, _ := x509.MarshalPKCS8PrivateKey(short)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	ecPKCS8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edPKCS8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)
	encHeaders := map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}

	tests := []struct {
		name string
		pem  []byte
		want error // nil: parses
		bits int
	}{
		{"pkcs1 2048 (vectors key)", signertest.PrivateKeyPEM(), nil, 2048},
		{"pkcs8 2048", pemBytes(t, "PRIVATE KEY", pkcs8, nil), nil, 2048},
		{"pkcs8 4096", mustRead("testdata/test-rsa4096.pem"), nil, 4096},
		{"after EC PARAMETERS block", append(pemBytes(t, "EC PARAMETERS", []byte{6, 1, 0}, nil), pemBytes(t, "RSA PRIVATE KEY", pkcs1, nil)...), nil, 2048},
		{"pkcs1 1024", pemBytes(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(short), nil), ErrKeyTooShort, 0},
		{"pkcs8 1024", pemBytes(t, "PRIVATE KEY", shortPKCS8, nil), ErrKeyTooShort, 0},
		{"EC (SEC 1)", pemBytes(t, "EC PRIVATE KEY", ecDER, nil), ErrNotRSA, 0},
		{"EC pkcs8", pemBytes(t, "PRIVATE KEY", ecPKCS8, nil), ErrNotRSA, 0},
		{"Ed25519 pkcs8", pemBytes(t, "PRIVATE KEY", edPKCS8, nil), ErrNotRSA, 0},
		{"encrypted pkcs1", pemBytes(t, "RSA PRIVATE KEY", pkcs1, encHeaders), ErrEncryptedKey, 0},
		{"encrypted pkcs8", pemBytes(t, "ENCRYPTED PRIVATE KEY", pkcs1[:200], nil), ErrEncryptedKey, 0},
		{"garbage", []byte("this is not a key\n"), ErrNotPEM, 0},
		{"empty", nil, ErrNotPEM, 0},
		{"DER instead of PEM", pkcs1, ErrNotPEM, 0},
		{"public key only", signertest.PublicKeyPEM(), ErrInvalidKey, 0},
		{"corrupt pkcs1", pemBytes(t, "RSA PRIVATE KEY", pkcs1[:len(pkcs1)/2], nil), ErrInvalidKey, 0},
		{"openssh", pemBytes(t, "OPENSSH PRIVATE KEY", pkcs1, nil), ErrInvalidKey, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := ParsePrivateKey(tt.pem)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if k.N.BitLen() != tt.bits {
					t.Fatalf("bits = %d, want %d", k.N.BitLen(), tt.bits)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			assertNoKeyMaterial(t, err.Error(), tt.pem)
		})
	}
}

// assertNoKeyMaterial fails when msg holds any 16-character run of the PEM body.
func assertNoKeyMaterial(t *testing.T, msg string, pemData []byte) {
	t.Helper()
	for _, line := range strings.Split(string(pemData), "\n") {
		if strings.HasPrefix(line, "-----") || strings.Contains(line, ":") {
			continue
		}
		for i := 0; i+16 <= len(line); i += 8 {
			if strings.Contains(msg, line[i:i+16]) {
				t.Fatalf("error %q contains key material", msg)
			}
		}
	}
}

func TestLoadPrivateKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := signertest.PrivateKeyPEM()
	private := filepath.Join(dir, "private.pem")
	shared := filepath.Join(dir, "shared.pem")
	garbage := filepath.Join(dir, "garbage.pem")
	for path, mode := range map[string]os.FileMode{private: 0o600, shared: 0o644} {
		if err := os.WriteFile(path, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // umask-proof
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(garbage, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}

	key, warnings, err := LoadPrivateKeyFile(private)
	if err != nil || key == nil || len(warnings) != 0 {
		t.Fatalf("mode 0600: key=%v warnings=%q err=%v", key != nil, warnings, err)
	}
	key, warnings, err = LoadPrivateKeyFile(shared)
	if err != nil || key == nil {
		t.Fatalf("mode 0644: %v", err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "0644") {
		t.Fatalf("mode 0644: warnings %q, want one naming the mode", warnings)
	}
	_, _, err = LoadPrivateKeyFile(filepath.Join(dir, "missing.pem"))
	if !errors.Is(err, ErrKeyMissing) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	_, _, err = LoadPrivateKeyFile(garbage)
	if !errors.Is(err, ErrNotPEM) {
		t.Fatalf("garbage: %v", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	pkcs1 := pemBytes(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey), nil)
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	shortDER, _ := x509.MarshalPKIXPublicKey(&short.PublicKey)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	tests := []struct {
		name string
		pem  []byte
		want error
	}{
		{"pkix", signertest.PublicKeyPEM(), nil},
		{"pkcs1", pkcs1, nil},
		{"1024", pemBytes(t, "PUBLIC KEY", shortDER, nil), ErrKeyTooShort},
		{"EC", pemBytes(t, "PUBLIC KEY", ecDER, nil), ErrNotRSA},
		{"garbage", []byte("xyz"), ErrNotPEM},
		{"private key only", signertest.PrivateKeyPEM(), ErrInvalidKey},
		{"corrupt", pemBytes(t, "PUBLIC KEY", shortDER[:20], nil), ErrInvalidKey},
	}
	for _, tt := range tests {
		pub, err := ParsePublicKey(tt.pem)
		if tt.want == nil {
			if err != nil || !pub.Equal(&key.PublicKey) {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(short, "M"); !errors.Is(err, ErrKeyTooShort) {
		t.Errorf("1024-bit key: %v", err)
	}
	if _, err := New(nil, "M"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("nil key: %v", err)
	}
	if _, err := New(testKey(t), ""); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("empty consumer key: %v", err)
	}
	if _, err := New(testKey(t), "M", WithClock(nil)); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("nil clock: %v", err)
	}
}

func TestSignAtRejects(t *testing.T) {
	t.Parallel()
	s, err := New(testKey(t), "M")
	if err != nil {
		t.Fatal(err)
	}
	const u = "https://h.example/p"
	tests := []struct {
		name, method, url, nonce string
		ts                       int64
		params                   []Param
		want                     error
	}{
		{"query", "POST", u + "?a=1", "n", 1, nil, ErrInvalidURL},
		{"empty query", "POST", u + "?", "n", 1, nil, ErrInvalidURL},
		{"fragment", "POST", u + "#x", "n", 1, nil, ErrInvalidURL},
		{"userinfo", "POST", "https://u:p@h.example/p", "n", 1, nil, ErrInvalidURL},
		{"relative", "POST", "/paynet/api", "n", 1, nil, ErrInvalidURL},
		{"ftp", "POST", "ftp://h/p", "n", 1, nil, ErrInvalidURL},
		{"bad url", "POST", "https://h/%zz", "n", 1, nil, ErrInvalidURL},
		{"empty method", "", u, "n", 1, nil, ErrInvalidParam},
		{"bad method", "PO ST", u, "n", 1, nil, ErrInvalidParam},
		{"empty nonce", "POST", u, "", 1, nil, ErrInvalidParam},
		{"negative ts", "POST", u, "n", -1, nil, ErrInvalidParam},
		{"empty name", "POST", u, "n", 1, []Param{{"", "v"}}, ErrInvalidParam},
		{"oauth param", "POST", u, "n", 1, []Param{{"oauth_nonce", "v"}}, ErrInvalidParam},
	}
	for _, tt := range tests {
		if _, err := s.SignAt(tt.method, tt.url, tt.params, tt.nonce, tt.ts); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://Sandbox.ConnPay.COM/paynet/api", "https://sandbox.connpay.com/paynet/api"},
		{"HTTPS://h:443/p", "https://h/p"},
		{"http://h:80/p", "http://h/p"},
		{"http://h:443/p", "http://h:443/p"},
		{"https://h:8443/P/Q", "https://h:8443/P/Q"},
		{"https://h", "https://h/"},
		{"https://h/a%20b/c%2Fd", "https://h/a%20b/c%2Fd"},
		{"http://[::1]:8080/p", "http://[::1]:8080/p"},
		{"http://127.0.0.1:80/p", "http://127.0.0.1/p"},
	}
	for _, tt := range tests {
		if got, err := BaseURL(tt.in); err != nil || got != tt.want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
