package sandbox_test

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// TestWriteKeyFile: a new key file is mode 0600 in a directory of mode 0700; an existing file is
// kept as it was unless overwrite is asked; no temporary file is left behind either way.
func TestWriteKeyFile(t *testing.T) {
	t.Parallel()
	key, _ := signertest.Key(t)
	const old = "a key written before"
	for _, tc := range []struct {
		name      string
		existing  bool
		overwrite bool
		wantExist bool // refused: the old file stays
	}{
		{name: "new file in a new directory"},
		{name: "new file, overwrite allowed", overwrite: true},
		{name: "existing file kept", existing: true, wantExist: true},
		{name: "existing file replaced when asked", existing: true, overwrite: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "keys")
			path := filepath.Join(dir, "merchant.pem")
			if tc.existing {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := sandbox.WriteKeyFile(path, key, tc.overwrite)
			if tc.wantExist {
				if !errors.Is(err, fs.ErrExist) {
					t.Fatalf("err %v, want one that is fs.ErrExist", err)
				}
				if data, err := os.ReadFile(path); err != nil || string(data) != old {
					t.Errorf("existing file now %q, %v", data, err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("key file %v, %v; want mode 0600", fi, err)
				}
				got, warnings, err := signer.LoadPrivateKeyFile(path)
				if err != nil || !got.Equal(key) || len(warnings) != 0 {
					t.Errorf("read back: same key %v, warnings %v, %v", got != nil && got.Equal(key), warnings, err)
				}
			}
			if fi, err := os.Stat(dir); err != nil || !tc.existing && fi.Mode().Perm() != 0o700 {
				t.Errorf("directory %v, %v; want mode 0700", fi, err)
			}
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
				t.Errorf("directory holds %v, %v; want the key file only", entries, err)
			}
		})
	}
}

// TestLoadOrCreateKeyConcurrent: processes starting together on one store directory all get
// the one key that was written, none an error or a half-written file.
func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "merchant.pem")
	const n = 2
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		keys    [n]*rsa.PrivateKey
		created [n]bool
		errs    [n]error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], created[i], errs[i] = sandbox.LoadOrCreateKey(path)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	stored, _, err := signer.LoadPrivateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	creators := 0
	for i := range n {
		if !keys[i].Equal(stored) {
			t.Errorf("call %d returned a key other than the stored one", i)
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d calls say they created the key, want 1", creators)
	}
}

// WriteKeyFile stores a private key once; a second write to the same path is refused unless
// overwrite is asked.
func ExampleWriteKeyFile() {
	dir, err := os.MkdirTemp("", "sandbox-key-*")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	key, err := signer.ParsePrivateKey(signertest.PrivateKeyPEM())
	if err != nil {
		panic(err)
	}
	path := filepath.Join(dir, "merchant.pem")
	fmt.Println(sandbox.WriteKeyFile(path, key, false))
	fi, _ := os.Stat(path)
	fmt.Printf("mode %04o\n", fi.Mode().Perm())
	err = sandbox.WriteKeyFile(path, key, false)
	fmt.Println("second write refused:", errors.Is(err, fs.ErrExist))
	fmt.Println(sandbox.WriteKeyFile(path, key, true))
	// Output:
	// <nil>
	// mode 0600
	// second write refused: true
	// <nil>
}
