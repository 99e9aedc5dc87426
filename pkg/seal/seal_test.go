package seal_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/seal"
)

func keyLine(id string, b byte) string {
	return id + " " + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, seal.KeySize))
}

func writeKeyFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "payrun.key")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask may have cut bits off
		t.Fatal(err)
	}
	return path
}

func TestParseRefusesMalformedFiles(t *testing.T) {
	t.Parallel()
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 31))
	for _, tc := range []struct {
		name, content string
		line          int
	}{
		{"empty", "", 0},
		{"blank lines only", "\n\n", 0},
		{"one field", "k1\n", 1},
		{"three fields", keyLine("k1", 1) + " extra\n", 1},
		{"short key", "k1 " + short + "\n", 1},
		{"not base64", "k1 not*base64\n", 1},
		{"url base64 is not standard", "k1 " + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)) + "\n", 1},
		{"bad id", "k:1 " + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n", 1},
		{"duplicate id", keyLine("k1", 1) + "\n" + keyLine("k1", 2) + "\n", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := seal.Parse([]byte(tc.content), "f.key")
			var kfe *seal.KeyFileError
			if !errors.As(err, &kfe) || !errors.Is(err, seal.ErrKeyFile) {
				t.Fatalf("err = %v, want a *KeyFileError", err)
			}
			if kfe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", kfe.Line, tc.line, err)
			}
			if f := strings.Fields(tc.content); len(f) > 1 && strings.Contains(err.Error(), f[1]) {
				t.Errorf("error quotes key material: %v", err)
			}
		})
	}
}

func TestLoadFileRefusesGroupOrOtherAccess(t *testing.T) {
	t.Parallel()
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o644} {
		path := writeKeyFile(t, keyLine("k1", 1)+"\n", mode)
		_, err := seal.LoadFile(path)
		if !errors.Is(err, seal.ErrInsecureFile) {
			t.Errorf("mode %04o: err = %v, want ErrInsecureFile", mode, err)
		}
	}
	if _, err := seal.LoadFile(writeKeyFile(t, keyLine("k1", 1)+"\n", 0o600)); err != nil {
		t.Errorf("mode 0600: %v", err)
	}
	if _, err := seal.LoadFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func TestSealOpenBindsAssociatedData(t *testing.T) {
	t.Parallel()
	k, err := seal.Parse([]byte(keyLine("k1", 1)), "f.key")
	if err != nil {
		t.Fatal(err)
	}
	s1, err := k.Seal([]byte("4111111111111111"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := k.Seal([]byte("4111111111111111"), []byte("row-1"))
	if s1 == s2 {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	if len(s1) != k.SealedLen(16) {
		t.Errorf("SealedLen(16) = %d, sealed form has %d", k.SealedLen(16), len(s1))
	}
	if strings.Contains(s1, "4111") || !strings.HasPrefix(s1, "k1:") {
		t.Errorf("sealed form %q", s1)
	}
	if got, err := k.Open(s1, []byte("row-1")); err != nil || string(got) != "4111111111111111" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(s1, []byte("row-2")); !errors.Is(err, seal.ErrAuth) {
		t.Errorf("other aad: err = %v, want ErrAuth", err)
	}
	tampered := []byte(s1)
	tampered[len(tampered)-3] ^= 1
	if _, err := k.Open(string(tampered), []byte("row-1")); !errors.Is(err, seal.ErrAuth) && !errors.Is(err, seal.ErrMalformed) {
		t.Errorf("tampered: err = %v", err)
	}
	for _, bad := range []string{"", "4111111111111111", "k1:", "k1:!!", "k1:AAAA"} {
		if _, err := k.Open(bad, nil); !errors.Is(err, seal.ErrMalformed) {
			t.Errorf("Open(%q): err = %v, want ErrMalformed", bad, err)
		}
	}
	if _, err := k.Open("k9:"+strings.TrimPrefix(s1, "k1:"), []byte("row-1")); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("unknown key: err = %v", err)
	}
}

func TestRotationOpensOldKeysSealsWithFirst(t *testing.T) {
	t.Parallel()
	old, _ := seal.Parse([]byte(keyLine("k1", 1)), "old")
	sealedOld, _ := old.Seal([]byte("DE89370400440532013000"), []byte("a"))
	rotated, err := seal.Parse([]byte(keyLine("k2", 2)+"\n"+keyLine("k1", 1)+"\n"), "new")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld, []byte("a")); err != nil || string(got) != "DE89370400440532013000" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	sealedNew, _ := rotated.Seal([]byte("x"), nil)
	if !strings.HasPrefix(sealedNew, "k2:") || rotated.PrimaryID() != "k2" {
		t.Errorf("rotated keyring seals with %q, primary %s", sealedNew, rotated.PrimaryID())
	}
	if _, err := old.Open(sealedNew, nil); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("old keyring opening a k2 value: %v", err)
	}
}

func TestKeyringNeverShowsKeys(t *testing.T) {
	t.Parallel()
	line := keyLine("k1", 0x41)
	k, _ := seal.Parse([]byte(line), "f")
	key := strings.Fields(line)[1]
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(s, key) || strings.Contains(s, "AAAA") {
			t.Errorf("formatted keyring shows key material: %s", s)
		}
	}
}

func TestGenerateFileMakesALoadableKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k.key")
	if err := seal.GenerateFile(path, "gen1"); err != nil {
		t.Fatal(err)
	}
	k, err := seal.LoadFile(path)
	if err != nil || k.PrimaryID() != "gen1" {
		t.Fatalf("LoadFile = %v, %v", k, err)
	}
	if err := seal.GenerateFile(path, "gen2"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("overwrite: err = %v, want fs.ErrExist", err)
	}
}

func ExampleKeyring_Seal() {
	// A key file line: "<key-id> <32 random bytes in standard base64>".
	k, err := seal.Parse([]byte("k1 "+base64.StdEncoding.EncodeToString(make([]byte, 32))), "example")
	if err != nil {
		panic(err)
	}
	aad := []byte("batch-7\x00order-1\x00credit_card_number")
	sealed, _ := k.Seal([]byte("4111111111111111"), aad)
	clear, _ := k.Open(sealed, aad)
	_, moved := k.Open(sealed, []byte("batch-7\x00order-2\x00credit_card_number"))
	fmt.Println(strings.Split(sealed, ":")[0], string(clear), moved != nil)
	// Output: k1 4111111111111111 true
}

func TestDeriveFollowsRotation(t *testing.T) {
	t.Parallel()
	old, _ := seal.Parse([]byte(keyLine("k1", 1)), "old")
	rotated, _ := seal.Parse([]byte(keyLine("k2", 2)+"\n"+keyLine("k1", 1)), "new")
	oldCur, oldPrev, err := old.Derive("store")
	if err != nil || oldPrev != "" || len(oldCur) != 64 {
		t.Fatalf("old: %q %q %v", oldCur, oldPrev, err)
	}
	cur, prev, err := rotated.Derive("store")
	if err != nil || prev != oldCur || cur == oldCur {
		t.Errorf("rotated: current %q previous %q, want previous = old current %q", cur, prev, oldCur)
	}
	other, _, _ := old.Derive("other")
	if other == oldCur {
		t.Error("two purposes derive the same secret")
	}
	if strings.Contains(oldCur, hex.EncodeToString(bytes.Repeat([]byte{1}, seal.KeySize))) {
		t.Error("derived secret is the key itself")
	}
}
