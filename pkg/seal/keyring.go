package seal

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the size of a data key in bytes (AES-256).
const KeySize = 32

// maxKeyFileBytes bounds what LoadFile reads: a key file is a few lines.
const maxKeyFileBytes = 64 << 10

// Keyring holds the data keys of one key file: the first seals, all open. It is immutable and
// safe for concurrent use.
type Keyring struct {
	primary string
	ids     []string // file order
	aeads   map[string]cipher.AEAD
	derive  map[string][]byte // id → HKDF pseudorandom key, for Derive
}

// LoadFile reads a key file (see the package doc). It refuses a file readable by group or others
// (ErrInsecureFile) and any malformed line (*KeyFileError naming the line).
func LoadFile(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: "cannot open", Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: "cannot stat", Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &KeyFileError{Path: path, Reason: "not a regular file"}
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, &KeyFileError{Path: path, Reason: fmt.Sprintf("mode %04o lets group or others read or write it; chmod 600 it", perm), Err: ErrInsecureFile}
	}
	if fi.Size() > maxKeyFileBytes {
		return nil, &KeyFileError{Path: path, Reason: fmt.Sprintf("larger than %d bytes", maxKeyFileBytes)}
	}
	data := make([]byte, fi.Size())
	if _, err := f.ReadAt(data, 0); err != nil && fi.Size() > 0 {
		return nil, &KeyFileError{Path: path, Reason: "cannot read", Err: err}
	}
	defer clear(data)
	return Parse(data, path)
}

// Parse reads key file content; source names it in errors.
func Parse(data []byte, source string) (*Keyring, error) {
	k := newKeyring()
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, &KeyFileError{Path: source, Line: line, Reason: fmt.Sprintf("want \"<key-id> <base64 key>\", got %d fields", len(fields))}
		}
		id := fields[0]
		if err := checkID(id); err != nil {
			return nil, &KeyFileError{Path: source, Line: line, Reason: err.Error()}
		}
		if _, dup := k.aeads[id]; dup {
			return nil, &KeyFileError{Path: source, Line: line, Reason: fmt.Sprintf("key id %s given twice", id)}
		}
		key, err := base64.StdEncoding.Strict().DecodeString(fields[1])
		if err != nil {
			return nil, &KeyFileError{Path: source, Line: line, Reason: "key " + id + " is not standard base64"}
		}
		if len(key) != KeySize {
			clear(key)
			return nil, &KeyFileError{Path: source, Line: line, Reason: fmt.Sprintf("key %s has %d bytes, want %d", id, len(key), KeySize)}
		}
		err = k.add(id, key)
		clear(key)
		if err != nil {
			return nil, &KeyFileError{Path: source, Line: line, Reason: err.Error()}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &KeyFileError{Path: source, Line: line + 1, Reason: "line too long"}
	}
	if len(k.ids) == 0 {
		return nil, &KeyFileError{Path: source, Reason: "holds no key"}
	}
	return k, nil
}

// Ephemeral returns a keyring with one fresh random key that exists only in this process (the
// demo). id names it.
func Ephemeral(id string) (*Keyring, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("seal: ephemeral: %w", err)
	}
	key := make([]byte, KeySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("seal: ephemeral: %w", err)
	}
	k := newKeyring()
	if err := k.add(id, key); err != nil {
		return nil, err
	}
	return k, nil
}

// GenerateFile writes a new key file with one fresh random key named id, mode 0600. It refuses to
// overwrite an existing file (fs.ErrExist).
func GenerateFile(path, id string) error {
	if err := checkID(id); err != nil {
		return fmt.Errorf("seal: generate: %w", err)
	}
	key := make([]byte, KeySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("seal: generate: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("seal: generate: %w", err)
	}
	line := []byte(id + " " + base64.StdEncoding.EncodeToString(key) + "\n")
	defer clear(line)
	_, werr := f.Write(line)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return fmt.Errorf("seal: generate: %w", werr)
	}
	return nil
}

func newKeyring() *Keyring {
	return &Keyring{aeads: map[string]cipher.AEAD{}, derive: map[string][]byte{}}
}

// add keys the keyring with key (which the caller may clear afterwards).
func (k *Keyring) add(id string, key []byte) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	prk, err := hkdf.Extract(sha256.New, key, []byte("payrun/seal"))
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	if k.primary == "" {
		k.primary = id
	}
	k.ids = append(k.ids, id)
	k.aeads[id], k.derive[id] = aead, prk
	return nil
}

// Derive returns a secret for another purpose (info names it), derived with HKDF-SHA256 from the
// primary key, and the same derived from the key of the file's second line ("" with one key):
// the embedded server's store key and the one it re-keys from after a rotation. Keys sealing job
// parameters are never handed out as they are.
func (k *Keyring) Derive(info string) (current, previous string, err error) {
	d := func(id string) (string, error) {
		b, err := hkdf.Expand(sha256.New, k.derive[id], "payrun/"+info, 32)
		if err != nil {
			return "", fmt.Errorf("seal: derive: %w", err)
		}
		return hex.EncodeToString(b), nil
	}
	if current, err = d(k.ids[0]); err != nil || len(k.ids) < 2 {
		return current, "", err
	}
	previous, err = d(k.ids[1])
	return current, previous, err
}

func checkID(id string) error {
	if id == "" || len(id) > 64 {
		return errors.New("key id must have 1-64 characters")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return errors.New("key id may hold only A-Z a-z 0-9 . _ -")
		}
	}
	return nil
}

// PrimaryID is the id of the key Seal uses (the file's first line).
func (k *Keyring) PrimaryID() string { return k.primary }

// IDs lists the key ids in file order.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// String shows the key ids only, never key material.
func (k *Keyring) String() string { return "seal.Keyring{" + strings.Join(k.ids, ",") + "}" }

// GoString is String (so %#v shows no key either).
func (k *Keyring) GoString() string { return k.String() }
