package queue_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

func TestAPIErrorKind(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return fmt.Errorf("payout: ledger put: %w", err) }
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"caller cancelled", wrap(context.Canceled), ""},
		{"key not found is an answer", wrap(jetstream.ErrKeyNotFound), ""},
		{"key deleted is an answer", jetstream.ErrKeyDeleted, ""},
		{"message not found is an answer", jetstream.ErrMsgNotFound, ""},
		{"iterator stopped", jetstream.ErrMsgIteratorClosed, ""},
		{"deadline", wrap(context.DeadlineExceeded), queue.APIErrTimeout},
		{"request timeout", nats.ErrTimeout, queue.APIErrTimeout},
		{"missed pull heartbeat", jetstream.ErrNoHeartbeat, queue.APIErrTimeout},
		{"no responders", wrap(nats.ErrNoResponders), queue.APIErrNoResponders},
		{"no stream response", jetstream.ErrNoStreamResponse, queue.APIErrNoResponders},
		{"10008", wrap(&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}), queue.APIErrUnavailable},
		{"stream not found", wrap(jetstream.ErrStreamNotFound), queue.APIErrNotFound},
		{"stream not found by code", &jetstream.APIError{Code: 404, ErrorCode: jetstream.JSErrCodeStreamNotFound}, queue.APIErrNotFound},
		{"consumer not found", jetstream.ErrConsumerNotFound, queue.APIErrNotFound},
		{"bucket not found", jetstream.ErrBucketNotFound, queue.APIErrNotFound},
		{"wrong last sequence", wrap(&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamWrongLastSequence}), queue.APIErrWrongLastSequence},
		{"wrong last sequence, replicated", &jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamWrongLastSequenceConstant}, queue.APIErrWrongLastSequence},
		{"key exists", jetstream.ErrKeyExists, queue.APIErrWrongLastSequence},
		{"connection closed", wrap(nats.ErrConnectionClosed), queue.APIErrDisconnected},
		{"reconnecting", nats.ErrConnectionReconnecting, queue.APIErrDisconnected},
		{"pull: connection closed", jetstream.ErrConnectionClosed, queue.APIErrDisconnected},
		{"pull: server shut down", jetstream.ErrServerShutdown, queue.APIErrDisconnected},
		{"pull: new consumer leader", jetstream.ErrConsumerLeadershipChanged, queue.APIErrLeaderChanged},
		{"insufficient resources", &jetstream.APIError{Code: 503, ErrorCode: 10023}, queue.APIErrOther},
		{"client-side", jetstream.ErrMsgAlreadyAckd, queue.APIErrOther},
		{"anything else", errors.New("boom"), queue.APIErrOther},
	} {
		if got := queue.APIErrorKind(tc.err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A handle from NewJetStream counts the errors of its calls and of the buckets, streams,
// consumers and messages it hands out, by operation and kind; answers about data (a missing
// key) and successes are not counted; the metric is promlint-clean.
func TestNewJetStreamCountsAPIErrors(t *testing.T) {
	t.Parallel()
	srv, _, plain := queuetest.Start(t)
	queuetest.Provision(t, plain)
	nc, _ := queuetest.Connect(t, srv)
	reg := prometheus.NewRegistry()
	js, err := queue.NewJetStream(nc, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	names := queue.DefaultNames()

	if _, err := js.Stream(ctx, "NO_SUCH_STREAM"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("stream lookup: %v", err)
	}
	ledger, err := js.KeyValue(ctx, names.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Get(ctx, "b.missing"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("get: %v", err)
	}
	rev, err := ledger.Create(ctx, "b.o", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Update(ctx, "b.o", []byte("2"), rev+7); !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		t.Fatalf("update with a stale revision: %v", err)
	}
	if _, err := js.Publish(ctx, "no.stream.here", nil); !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Fatalf("publish: %v", err)
	}

	// A job delivered through Consume (the pool's path): its reply fails once the connection is
	// closed, and is counted.
	if _, err := js.Publish(ctx, names.JobSubject("b"), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	cons, err := js.Consumer(ctx, names.JobStream, names.Consumer)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan jetstream.Msg, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case got <- m:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var msg jetstream.Msg
	select {
	case msg = <-got:
	case <-ctx.Done():
		t.Fatal("no job delivered")
	}
	cc.Stop()
	nc.Close()
	if err := msg.Nak(); !errors.Is(err, nats.ErrConnectionClosed) {
		t.Fatalf("nak after close: %v", err)
	}
	// An error a pull reports to its ConsumeErrHandler, counted through the handle.
	queue.CountAPIError(js, "pull", jetstream.ErrNoHeartbeat)
	queue.CountAPIError(plain, "pull", jetstream.ErrNoHeartbeat) // not a counting handle: nothing

	want := `# HELP payrun_nats_api_errors_total JetStream API errors seen, by operation (op) and kind: timeout, no_responders, unavailable (10008), not_found, wrong_last_sequence, leader_changed, disconnected, other.
# TYPE payrun_nats_api_errors_total counter
payrun_nats_api_errors_total{kind="disconnected",op="nak"} 1
payrun_nats_api_errors_total{kind="no_responders",op="publish"} 1
payrun_nats_api_errors_total{kind="not_found",op="stream_lookup"} 1
payrun_nats_api_errors_total{kind="timeout",op="pull"} 1
payrun_nats_api_errors_total{kind="wrong_last_sequence",op="kv_update"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "payrun_nats_api_errors_total"); err != nil {
		t.Error(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}

	// A second handle on the same registry shares the counter.
	if _, err := queue.NewJetStream(nc, reg); err != nil {
		t.Errorf("second handle: %v", err)
	}
}
