package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// Both passes must read the bytes that were there when enqueue started: a file rewritten (or still
// being written) after validation must not reach the publish pass.
func TestOpenInputIsASnapshot(t *testing.T) {
	t.Parallel()
	const validated = "client_orderid,amount,currency,account_number\no-1,10.00,USD,1234567890\n"
	const later = validated + "o-2,99999.00,USD,1234567890\n"
	path := filepath.Join(t.TempDir(), "pay.csv")
	tests := []struct {
		name  string
		file  string
		stdin string
	}{
		{"file", path, ""},
		{"stdin", "-", validated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(validated), 0o600); err != nil {
				t.Fatal(err)
			}
			in, cleanup, err := openInput(context.Background(), tt.file, strings.NewReader(tt.stdin), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if in.Name != tt.file {
				t.Errorf("input name %q, want %q (errors and the manifest show it)", in.Name, tt.file)
			}
			if err := os.WriteFile(path, []byte(later), 0o600); err != nil {
				t.Fatal(err)
			}
			for pass := 1; pass <= 2; pass++ {
				rc, err := in.Open()
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != validated {
					t.Errorf("pass %d read %q, want the bytes as of the start %q", pass, got, validated)
				}
			}
			cleanup()
			if _, err := in.Open(); err == nil {
				t.Error("the private copy outlives cleanup")
			}
		})
	}
}

// A row skipped because an interrupted batch reserved it may never have been published: enqueue
// must say that the other batch is unfinished and how to finish it, not only "already enqueued".
func TestCLIDuplicateOfUnfinishedBatch(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	h := queuetest.Provision(t, js)
	ctx := context.Background()
	// Batch "crashed" reserved pr-2026-11-0004 and stopped before publishing it.
	m := batch.Manifest{Version: batch.ManifestVersion, BatchID: "crashed", Source: "old.csv", State: batch.StatePublishing, Rows: 1, ChunkSize: 999, Chunks: 1}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Batches.Create(ctx, queue.Token("crashed"), data); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Orders.Create(ctx, queue.Token("pr-2026-11-0004"), []byte("crashed")); err != nil {
		t.Fatal(err)
	}
	r := enqueue(t, natsEnv(srv), "", "--batch", "fresh", "testdata/overlap.csv")
	r.expect(t, 4, []string{"enqueued:   1", "skipped:    1"}, []string{
		`client_orderid "pr-****-**-0004" already enqueued by batch crashed`,
		"batch crashed is not fully enqueued (state publishing)", "old.csv",
	})
	// The same rows under a third id: crashed is still unfinished, fresh (finished) gets no warning.
	r = enqueue(t, natsEnv(srv), "", "--batch", "dec", "testdata/overlap.csv")
	r.expect(t, 4, []string{"enqueued:   0"}, []string{"batch crashed is not fully enqueued", "already enqueued by batch fresh"})
	if strings.Contains(r.stderr, "batch fresh is not") || strings.Contains(r.stderr, "fresh, which") {
		t.Errorf("warning about a finished batch:\n%s", r.stderr)
	}
}

// enqueue runs with its own config; it must not rewrite the consumer the running workers use.
func TestCLIKeepsWorkersConsumer(t *testing.T) {
	t.Parallel()
	srv, _, js := queuetest.Start(t)
	s := queue.DefaultSettings()
	s.AckWait = 2 * time.Minute
	if _, err := queue.Provision(context.Background(), js, queue.DefaultNames(), s); err != nil {
		t.Fatal(err)
	}
	enqueue(t, natsEnv(srv), "", "--batch", "b1", "testdata/good.csv").expect(t, 0, []string{"enqueued:   5"}, nil)
	c, err := js.Consumer(context.Background(), "PAYOUTS", queue.DefaultNames().Consumer)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CachedInfo().Config.AckWait; got != 2*time.Minute {
		t.Errorf("after enqueue the workers' ack wait is %s, want 2m", got)
	}
}
