package batch_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/payout"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/seal"
)

func testSealer(t *testing.T) *seal.Keyring {
	t.Helper()
	k, err := seal.Parse([]byte("k1 "+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, seal.KeySize))), "test")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// reservation reads a client_orderid's reservation.
func reservation(t *testing.T, e env, coid string) queue.Reservation {
	t.Helper()
	kve, err := e.h.Orders.Get(context.Background(), queue.Token(coid))
	if err != nil {
		t.Fatal(err)
	}
	r, err := queue.DecodeReservation(kve.Value())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rowDigest is the content digest of the row of csv whose client_orderid is coid.
func rowDigest(t *testing.T, batchID, csv, coid string) string {
	t.Helper()
	rd := job.NewReader(strings.NewReader(csv), "f.csv")
	for {
		j, err := rd.Next()
		if err != nil {
			t.Fatalf("row %s: %v", coid, err)
		}
		if j.ClientOrderID == coid {
			return job.ContentDigest(batchID, j)
		}
	}
}

// enqueue binds each row's payout content (its digest, taken in clear before sealing) into the
// row's client_orderid reservation, and `enqueue --retry` of a corrected row binds the corrected
// content before it publishes the row again, so that the worker pays the put-back row and
// nothing else under its client_orderid.
//
// Protects I1 (only the content enqueue accepted is paid) and I5 (a put-back row is payable).
func TestReservationBindsRowContent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const id = "BIND-1"
	csv := csvRows("bd", 0, 3)
	in := stringInput("bd.csv", csv)
	en := e.enqueuer(t, batch.Options{Seal: testSealer(t)})
	if _, err := en.Enqueue(context.Background(), in, plan(t, in, id)); err != nil {
		t.Fatal(err)
	}
	for _, coid := range []string{"bd-0", "bd-1", "bd-2"} {
		if r := reservation(t, e, coid); r.BatchID != id || r.Digest != rowDigest(t, id, csv, coid) {
			t.Fatalf("%s reservation %+v, want batch %s bound to the row's content digest", coid, r, id)
		}
	}
	putEntry(t, e, id, "bd-1", payout.Entry{State: payout.StateReported, Result: job.StatusError,
		ErrorCode: job.CodeDeadLetter, DeadLetter: "failures 10 reached max_failures 10"})
	completeManifest(t, e, id)
	fixed := strings.Replace(csv, "bd-1,5,JPY,1234567801", "bd-1,7,JPY,1234567899", 1)
	if fixed == csv {
		t.Fatal("the test's correction did not apply")
	}
	fin := stringInput("bd-fixed.csv", fixed)
	rep, err := en.Retry(context.Background(), fin, plan(t, fin, id))
	if err != nil || len(rep.PutBack) != 1 {
		t.Fatalf("retry: %+v, %v", rep, err)
	}
	if r := reservation(t, e, "bd-1"); r.Digest != rowDigest(t, id, fixed, "bd-1") {
		t.Fatalf("the corrected row's reservation %+v is not bound to its corrected content", r)
	}
	if r := reservation(t, e, "bd-0"); r.Digest != rowDigest(t, id, csv, "bd-0") {
		t.Fatalf("a refused row's reservation changed: %+v", r)
	}
}

// enqueue records each chunk's rows (client_orderid + content digest) in the batches bucket
// before publishing the chunk, so that the worker can vouch for a row whose reservation is lost
// with broker data, and only for such a row with the content enqueue published.
//
// Protects I2 (a row whose reservation is lost still gets its result) and I1 (a job with another
// content is never vouched for).
func TestEnqueueRecordsEveryChunksRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const id = "REC-1"
	csv := csvRows("rc", 0, 5)
	in := stringInput("rc.csv", csv)
	if _, err := e.enqueuer(t, batch.Options{ChunkSize: 2}).Enqueue(context.Background(), in, plan(t, in, id)); err != nil {
		t.Fatal(err)
	}
	names := queue.DefaultNames()
	var recs []queue.RowRecord
	for chunk := range 3 {
		kve, err := e.h.Batches.Get(context.Background(), names.RowsKey(id, chunk))
		if err != nil {
			t.Fatalf("chunk %d record: %v", chunk, err)
		}
		var r queue.RowRecord
		if err := json.Unmarshal(kve.Value(), &r); err != nil || r.BatchID != id || r.Chunk != chunk {
			t.Fatalf("chunk %d record %+v, %v", chunk, r, err)
		}
		recs = append(recs, r)
	}
	for i := range 5 {
		coid := fmt.Sprintf("rc-%d", i)
		if !recs[i/2].Holds(queue.RowHash(coid, rowDigest(t, id, csv, coid))) {
			t.Errorf("%s is not in its chunk's record", coid)
		}
		if recs[i/2].Holds(queue.RowHash(coid, "sha256-v1:other")) {
			t.Errorf("%s with another content is in its chunk's record", coid)
		}
	}
}
