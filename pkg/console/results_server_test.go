package console

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// resultsStore stores batches' manifests and results in the embedded JetStream of a test Server.
type resultsStore struct {
	tb testing.TB
	js jetstream.JetStream
	h  *queue.Handles
}

// newResultsServer is a Server over an embedded JetStream, and the store of its batches.
func newResultsServer(tb testing.TB) (*Server, resultsStore) {
	tb.Helper()
	_, _, js := queuetest.Start(tb)
	h := queuetest.Provision(tb, js)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := New(ctx, js, h, Options{Users: []User{{Name: "v", Roles: []string{RoleViewer}, Hash: "-"}}})
	if err != nil {
		tb.Fatal(err)
	}
	return s, resultsStore{tb: tb, js: js, h: h}
}

// batch stores the manifest of batch id of rows rows and the results of rows 0…results-1.
func (st resultsStore) batch(id string, rows, results int) {
	st.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, _ := json.Marshal(batch.Manifest{Version: batch.ManifestVersion, BatchID: id, Source: "test.csv", Rows: rows,
		State: batch.StateEnqueued, Enqueued: rows, CreatedAt: time.Now()})
	if _, err := st.h.Batches.Put(ctx, queue.DefaultNames().BatchKey(id), m); err != nil {
		st.tb.Fatal(err)
	}
	subj := queue.DefaultNames().ResultSubject(id)
	for i := range results {
		if _, err := st.js.PublishAsync(subj, st.result(id, i)); err != nil {
			st.tb.Fatal(err)
		}
		if i%1000 == 999 || i == results-1 { // within the client's limit of messages in flight
			select {
			case <-st.js.PublishAsyncComplete():
			case <-ctx.Done():
				st.tb.Fatal("results not stored in time")
			}
		}
	}
}

// publish stores the result of row i of batch id.
func (st resultsStore) publish(id string, i int) {
	st.tb.Helper()
	if _, err := st.js.Publish(context.Background(), queue.DefaultNames().ResultSubject(id), st.result(id, i)); err != nil {
		st.tb.Fatal(err)
	}
}

func (resultsStore) result(id string, i int) []byte {
	data, _ := json.Marshal(job.Result{Version: job.ResultVersion, BatchID: id, ClientOrderID: fmt.Sprintf("row-%d", i),
		Status: job.StatusApproved, Amount: "1.00", Currency: "USD", Destination: "account ******7890"})
	return data
}
