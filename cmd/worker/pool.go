package main

import (
	"context"
	"errors"
	"io"
)

// runWorker runs the worker pool. Replaced by the worker wiring (issue 5).
func runWorker(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("the worker pool is not built yet")
}
