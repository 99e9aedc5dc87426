package seal

import (
	"errors"
	"fmt"
)

var (
	// ErrKeyFile is matched by every *KeyFileError.
	ErrKeyFile = errors.New("seal: bad key file")
	// ErrInsecureFile: the key file is readable by group or others.
	ErrInsecureFile = errors.New("seal: key file readable by group or others")
	// ErrUnknownKey: a sealed value names a key id the keyring does not hold.
	ErrUnknownKey = errors.New("seal: unknown key id")
	// ErrMalformed: a sealed value does not have the sealed form.
	ErrMalformed = errors.New("seal: malformed sealed value")
	// ErrAuth: a sealed value does not open with its key and associated data (tampered, moved to
	// another row or parameter, or sealed under another key with the same id).
	ErrAuth = errors.New("seal: sealed value does not authenticate")
)

// KeyFileError is a problem of a key file, with the line it is on (0: the whole file). It never
// quotes key material.
type KeyFileError struct {
	Path   string
	Line   int
	Reason string
	Err    error // optional cause (ErrInsecureFile, an fs error)
}

func (e *KeyFileError) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	return "seal: key file " + where + ": " + e.Reason
}

// Is matches ErrKeyFile.
func (e *KeyFileError) Is(target error) bool { return target == ErrKeyFile }

// Unwrap returns the cause.
func (e *KeyFileError) Unwrap() error { return e.Err }
