package batch_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
)

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// The private copy is never visible in the directory (it is unlinked at once), is read twice
// with the same bytes, and is bounded.
func TestSpoolInputUnlinkedAndBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const content = "client_orderid,amount\n4111111111111111,1\n"
	in, cleanup, err := batch.SpoolInput(context.Background(), strings.NewReader(content), "-", dir, int64(len(content)))
	if err != nil {
		t.Fatal(err)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Errorf("spool directory holds %v while the copy is in use", names)
	}
	for pass := 1; pass <= 2; pass++ {
		rc, err := in.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != content {
			t.Fatalf("pass %d: %q, %v", pass, got, err)
		}
	}
	cleanup()

	_, _, err = batch.SpoolInput(context.Background(), strings.NewReader(content+"x"), "-", dir, int64(len(content)))
	if !errors.Is(err, batch.ErrInputTooLarge) {
		t.Errorf("one byte over the bound: err = %v, want ErrInputTooLarge", err)
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Errorf("spool directory holds %v after a refused input", names)
	}
}

// An endless input (like /dev/zero) stops at the bound, and a blocked read of a pipe ends when
// the context does.
func TestSpoolInputStopsOnContext(t *testing.T) {
	t.Parallel()
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer zero.Close()
	if _, _, err := batch.SpoolInput(context.Background(), zero, "/dev/zero", t.TempDir(), 1<<20); !errors.Is(err, batch.ErrInputTooLarge) {
		t.Errorf("/dev/zero: err = %v, want ErrInputTooLarge", err)
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if _, err := pw.Write([]byte("client_orderid,amount\n")); err != nil {
		t.Fatal(err)
	}
	// The writer never closes: only the context can end the copy, blocked in a read by then.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := batch.SpoolInput(ctx, pr, "-", t.TempDir(), 1<<20)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SpoolInput ignored its context while blocked on a pipe")
	}
}

// Readers of an Input stop when the context ends, and past the bound.
func TestWithContextStopsReaders(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	in := batch.WithContext(ctx, stringInput("f.csv", strings.Repeat("x", 100)), 50)
	rc, _ := in.Open()
	if _, err := io.ReadAll(rc); !errors.Is(err, batch.ErrInputTooLarge) {
		t.Errorf("past the bound: %v", err)
	}
	in = batch.WithContext(ctx, stringInput("f.csv", "abc"), 50)
	cancel()
	rc, _ = in.Open()
	if _, err := io.ReadAll(rc); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
}
