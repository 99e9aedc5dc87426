package batch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// bigRowFile is n valid rows; row big (0-based) carries merchant_data md.
func bigRowFile(n, big int, md string) string {
	var b strings.Builder
	b.WriteString("client_orderid,amount,currency,account_number,merchant_data\n")
	for i := range n {
		v := "ok"
		if i == big {
			v = md
		}
		fmt.Fprintf(&b, "big-%d,10.00,USD,1234567890,%q\n", i, v)
	}
	return b.String()
}

// Invariant 6 (every row validation accepts can be published and paid): a merchant_data the
// payout page allows (64k characters, or 11k '<' that JSON escapes six-fold) makes a job larger
// than the stream stores; validation refuses that row with its line, column and both sizes, so
// nothing of the file is enqueued, instead of the chunk holding it being refused forever while the
// other chunks are paid.
func TestValidationRefusesAJobTheStreamCannotStore(t *testing.T) {
	t.Parallel()
	limit := batch.JobLimit{Bytes: 64 << 10, Source: "the stream allows"}
	for _, tc := range []struct{ name, md string }{
		{"64k characters", strings.Repeat("a", 65536)},
		{"11k escaped '<'", strings.Repeat("<", 11000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := batch.ValidateInput(stringInput("big.csv", bigRowFile(300, 150, tc.md)), "", 100, limit)
			var ife *batch.InvalidFileError
			if !errors.As(err, &ife) || ife.ErrorCount() != 1 {
				t.Fatalf("err = %v, want one invalid row", err)
			}
			got := ife.Summary.Errors.List[0].Error()
			if !strings.HasPrefix(got, "big.csv:152:30: merchant_data: the job would be ") || !strings.HasSuffix(got, " bytes; the stream allows 65536") {
				t.Errorf("error %q", got)
			}
		})
	}
}

// Invariant 6: the size a row is validated against is the stream's real one. A plan validated
// against a larger limit than the stream (or the server's max_payload) has is checked again by
// Enqueue before anything is reserved or published; the oversized row is refused with the real
// limit and the batch leaves no trace.
func TestEnqueueChecksTheStreamsRealLimit(t *testing.T) {
	t.Parallel()
	srv, nc, js := queuetest.Start(t)
	s := queue.DefaultSettings()
	s.MaxMsgSize = 4096
	h, err := queue.Provision(context.Background(), js, queue.DefaultNames(), s)
	if err != nil {
		t.Fatal(err)
	}
	e := env{srv: srv, nc: nc, js: js, h: h}
	in := stringInput("big.csv", bigRowFile(250, 120, strings.Repeat("m", 5000)))
	p, err := batch.ValidateInput(in, "real-limit", 100, batch.JobLimit{Bytes: 64 << 10, Source: "the configured streams.max_msg_size allows"})
	if err != nil {
		t.Fatalf("validated against the configured 64 KiB: %v", err)
	}
	_, err = e.enqueuer(t, batch.Options{}).Enqueue(ctxTimeout(t, time.Minute), in, p)
	var ife *batch.InvalidFileError
	if !errors.As(err, &ife) || ife.ErrorCount() != 1 || !strings.HasSuffix(ife.Summary.Errors.List[0].Error(), "; the stream allows 4096") {
		t.Fatalf("err = %v, want the row refused against the stream's 4096", err)
	}
	if _, _, err := batch.ReadManifest(context.Background(), h.Batches, "real-limit"); !errors.Is(err, batch.ErrUnknownBatch) {
		t.Errorf("manifest: %v, want none", err)
	}
	if _, err := h.Orders.Get(context.Background(), queue.Token("big-0")); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("reservation of big-0: %v, want none", err)
	}
}

// oversizePublisher pads one job of chunk 1 beyond the stream's max_msg_size, as if the limit had
// been lowered after the check: the server drops that message and reports the batch incomplete.
type oversizePublisher struct{ real batch.Publisher }

func (p oversizePublisher) PublishAtomic(ctx context.Context, n int, fill func(i int, m *nats.Msg)) (queue.AtomicAck, error) {
	var last nats.Msg
	last.Header = nats.Header{}
	fill(n-1, &last)
	if last.Subject != queue.DefaultNames().ChunkSubject("full-1", 1) {
		return p.real.PublishAtomic(ctx, n, fill)
	}
	return p.real.PublishAtomic(ctx, n, func(i int, m *nats.Msg) {
		fill(i, m)
		if i == 0 {
			m.Data = append(m.Data, bytes.Repeat([]byte(" "), 70_000)...)
		}
	})
}

// Invariants 6 and 2 (no row lost): a chunk the stream refuses stores nothing (the stream is full,
// or a job is over its size limit, which the server answers only with "batch incomplete"); its
// rows must stay enqueueable: their client_orderid reservations are released, the manifest (still
// publishing) names the chunk, its lines and the server's reason, and the error says so. Once the
// cause is fixed, the same command completes the batch, every row exactly once.
func TestRefusedChunkLeavesItsRowsEnqueueable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		maxMsgs  int64 // of the jobs stream
		oversize bool
	}{
		{"stream full", 150, false}, // chunk 0 (100 jobs + marker) fits, chunk 1 does not
		{"job over max_msg_size", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, nc, js := queuetest.Start(t)
			s := queue.DefaultSettings()
			if tc.maxMsgs > 0 {
				s.JobMaxMsgs = tc.maxMsgs
			}
			h, err := queue.Provision(context.Background(), js, queue.DefaultNames(), s)
			if err != nil {
				t.Fatal(err)
			}
			e := env{srv: srv, nc: nc, js: js, h: h}
			in := stringInput("pay.csv", csvRows("full", 0, 200))
			p := plan(t, in, "full-1")
			o := batch.Options{ChunkSize: 100, Window: 1}
			if tc.oversize {
				o.Publisher = oversizePublisher{batch.ConnPublisher{NC: nc}}
			}
			_, err = e.enqueuer(t, o).Enqueue(ctxTimeout(t, time.Minute), in, p)
			var cre *batch.ChunkRefusedError
			if !errors.As(err, &cre) || !errors.Is(err, batch.ErrChunkRefused) || cre.Chunk != 1 || cre.FirstLine != 102 || cre.LastLine != 201 {
				t.Fatalf("err = %v, want chunk 1 (lines 102-201) refused", err)
			}
			if !strings.Contains(err.Error(), "released") || !strings.Contains(err.Error(), "run the same command again") {
				t.Errorf("error does not say what happened and what to do: %v", err)
			}
			m := manifest(t, e, "full-1")
			if m.State != batch.StatePublishing || len(m.Refused) != 1 || m.Refused[0].Chunk != 1 || m.Refused[0].FirstLine != 102 ||
				m.Refused[0].LastLine != 201 || m.Refused[0].Rows != 100 || m.Refused[0].Reason == "" {
				t.Fatalf("manifest = %+v", m)
			}
			for _, id := range []string{"full-100", "full-199"} {
				if _, err := h.Orders.Get(context.Background(), queue.Token(id)); !errors.Is(err, jetstream.ErrKeyNotFound) {
					t.Errorf("reservation of %s (refused chunk) = %v, want released", id, err)
				}
			}
			// Nothing of the refused chunk may vouch for its released rows (docs/worker.md).
			if _, err := h.Batches.Get(context.Background(), queue.DefaultNames().RowsKey("full-1", 1)); !errors.Is(err, jetstream.ErrKeyNotFound) {
				t.Errorf("row record of the refused chunk: %v, want dropped", err)
			}
			if _, err := h.Batches.Get(context.Background(), queue.DefaultNames().RowsKey("full-1", 0)); err != nil {
				t.Errorf("row record of the stored chunk: %v", err)
			}
			if v, err := h.Orders.Get(context.Background(), queue.Token("full-0")); err != nil {
				t.Errorf("reservation of full-0 (stored chunk): %v", err)
			} else if r, _ := queue.DecodeReservation(v.Value()); r.BatchID != "full-1" {
				t.Errorf("reservation of full-0 (stored chunk) = %+v", r)
			}
			// The rows are enqueueable: fix the cause and run the same command again.
			cfg := h.Jobs.CachedInfo().Config
			cfg.MaxMsgs = 1000
			if _, err := js.UpdateStream(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			r, err := e.enqueuer(t, batch.Options{ChunkSize: 100, Window: 1}).Enqueue(ctxTimeout(t, time.Minute), in, p)
			if err != nil || r.Enqueued != 200 || !r.Resumed {
				t.Fatalf("re-run: %+v, %v", r, err)
			}
			assertExactlyOnce(t, e, "full-1", 200)
			if m := manifest(t, e, "full-1"); m.State != batch.StateEnqueued || len(m.Refused) != 0 {
				t.Errorf("manifest after re-run = %+v", m)
			}
		})
	}
}
