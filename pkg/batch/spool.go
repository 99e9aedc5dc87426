package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// ErrInputTooLarge: the input is larger than the bound given to SpoolInput or WithContext.
var ErrInputTooLarge = errors.New("input larger than the configured bound")

// SpoolInput copies r (stdin, or an open file) into a private temporary file in dir ("" = the
// system's) so it can be read twice with the same bytes. The file is unlinked as soon as it is
// created: the copy exists only as this process's open descriptor and vanishes with the process,
// however it ends (SIGKILL included); cleanup closes it. At most maxBytes are copied (more is
// ErrInputTooLarge); the copy stops when ctx ends (a blocked read of a pipe or terminal too), and
// the returned Input's readers fail with ctx's error from then on.
func SpoolInput(ctx context.Context, r io.Reader, name, dir string, maxBytes int64) (Input, func(), error) {
	f, err := os.CreateTemp(dir, "payrun-enqueue-*.csv")
	if err != nil {
		return Input{}, nil, fmt.Errorf("batch: spool %s: %w", name, err)
	}
	var closed atomic.Bool
	cleanup := func() {
		if closed.CompareAndSwap(false, true) {
			_ = f.Close()
		}
	}
	if err := os.Remove(f.Name()); err != nil {
		cleanup()
		return Input{}, nil, fmt.Errorf("batch: spool %s: unlink the private copy: %w", name, err)
	}
	n, err := copyBounded(ctx, f, r, maxBytes)
	if err != nil {
		if !errors.Is(err, errCopyRunning) {
			cleanup()
		}
		return Input{}, nil, fmt.Errorf("batch: spool %s: %w", name, err)
	}
	return WithContext(ctx, Input{Name: name, Open: func() (io.ReadCloser, error) {
		if closed.Load() {
			return nil, fmt.Errorf("batch: spool %s: %w", name, os.ErrClosed)
		}
		return io.NopCloser(io.NewSectionReader(f, 0, n)), nil
	}}, maxBytes), cleanup, nil
}

// errCopyRunning marks a copy abandoned while its read is blocked; it closes the file itself.
var errCopyRunning = errors.New("copy abandoned")

// copyBounded copies at most maxBytes of r to f (more is ErrInputTooLarge) until ctx ends. A read
// of a pipe or terminal may block beyond any deadline (a stdin the runtime cannot poll): the copy
// then runs on in its goroutine, which closes f when its read returns, and copyBounded returns
// ctx's error at once; the process is about to end anyway.
func copyBounded(ctx context.Context, f *os.File, r io.Reader, maxBytes int64) (int64, error) {
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := io.Copy(f, io.LimitReader(ctxReader{ctx, r}, maxBytes+1))
		done <- result{n, err}
	}()
	select {
	case res := <-done:
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case res.err != nil:
			return 0, res.err
		case res.n > maxBytes:
			return 0, fmt.Errorf("more than %d bytes: %w", maxBytes, ErrInputTooLarge)
		}
		return res.n, nil
	case <-ctx.Done():
		if src, ok := r.(*os.File); ok {
			_ = src.SetReadDeadline(time.Now()) // ends the read where the runtime polls the file
		}
		go func() {
			<-done
			_ = f.Close()
		}()
		return 0, fmt.Errorf("%w: %w", ctx.Err(), errCopyRunning)
	}
}

// WithContext returns in with readers that fail with ctx's error once ctx ends (so a long
// validation or publish pass stops on a signal) and with ErrInputTooLarge past maxBytes.
func WithContext(ctx context.Context, in Input, maxBytes int64) Input {
	open := in.Open
	in.Open = func() (io.ReadCloser, error) {
		rc, err := open()
		if err != nil {
			return nil, err
		}
		return &boundedReadCloser{r: ctxReader{ctx, rc}, c: rc, max: maxBytes, left: maxBytes}, nil
	}
	return in
}

// ctxReader fails with ctx's error once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// boundedReadCloser fails with ErrInputTooLarge once more than left bytes were read.
type boundedReadCloser struct {
	r         io.Reader
	c         io.Closer
	max, left int64
}

func (b *boundedReadCloser) Close() error { return b.c.Close() }

func (b *boundedReadCloser) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("more than %d bytes: %w", b.max, ErrInputTooLarge)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, fmt.Errorf("more than %d bytes: %w", b.max, ErrInputTooLarge)
	}
	return n, err
}
