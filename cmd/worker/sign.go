package main

import (
	"context"
	"errors"
	"io"
)

// runSign is the signing debug command. Replaced by the signer work (issue 3).
func runSign(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("sign is not built yet")
}
