package queue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/testlog"
	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// loggingConn starts an embedded server and connects to it with o (URL, name and a log sink
// filled in); the server is shut down at cleanup.
func loggingConn(t *testing.T, o queue.ConnectOptions) (*queue.EmbeddedServer, *nats.Conn, *testlog.Buffer) {
	t.Helper()
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	logs := &testlog.Buffer{}
	o.URL, o.Name, o.Log = srv.ClientURL(), "t", zerolog.New(logs)
	nc, err := queue.Connect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return srv, nc, logs
}

// waitLogged polls the log until it contains msg.
func waitLogged(t *testing.T, logs *testlog.Buffer, msg string) {
	t.Helper()
	testwait.Eventually(t, 10*time.Second, fmt.Sprintf("%q in the log", msg), func() bool { return strings.Contains(logs.String(), msg) })
}

// A deliberate Close is not an incident: it must not log a warning (enqueue shows warnings to
// people, and every clean exit would print "nats disconnected").
func TestConnectDeliberateCloseIsQuiet(t *testing.T) {
	t.Parallel()
	_, nc, logs := loggingConn(t, queue.ConnectOptions{})
	nc.Close()
	// The closed callback runs after the disconnect callback (one ordered callback queue).
	waitLogged(t, logs, "nats connection closed")
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e struct{ Level string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if e.Level != zerolog.DebugLevel.String() && e.Level != zerolog.InfoLevel.String() {
			t.Errorf("deliberate close logged at %s: %s", e.Level, line)
		}
	}
}

// A connection nats.go gives up on (here: reconnects exhausted) is an incident and logs loudly.
func TestConnectGivingUpIsLoud(t *testing.T) {
	t.Parallel()
	srv, _, logs := loggingConn(t, queue.ConnectOptions{MaxReconnects: 1, ReconnectWait: 10 * time.Millisecond})
	srv.Stop()
	waitLogged(t, logs, "nats connection closed")
	got := logs.String()
	if !strings.Contains(got, `{"level":"warn","server"`) || !strings.Contains(got, `"level":"error"`) {
		t.Errorf("lost connection not logged as warn + error: %s", got)
	}
}

func TestConnectLogsDisconnectAndReconnect(t *testing.T) {
	t.Parallel()
	srv, nc, logs := loggingConn(t, queue.ConnectOptions{ReconnectWait: 20 * time.Millisecond})
	srv.Stop()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	queuetest.WaitConnected(t, nc, 10*time.Second)
	waitLogged(t, logs, "nats reconnected")
	if !strings.Contains(logs.String(), "nats disconnected") {
		t.Errorf("no disconnect logged: %s", logs.String())
	}
}

// Errors nats.go gives while the server is away are "unavailable" (enqueue then says: re-run when
// NATS is back); refusals that a retry cannot fix are not.
func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{nats.ErrReconnectBufExceeded, true}, // publishing while reconnecting, buffer full
		{nats.ErrStaleConnection, true},
		{nats.ErrConnectionReconnecting, true},
		{nats.ErrTimeout, true},
		{fmt.Errorf("queue: atomic publish: %w", nats.ErrNoServers), true},
		{nats.ErrMaxPayload, false},
		{nats.ErrBadSubject, false},
	}
	for _, tt := range tests {
		if got := queue.IsUnavailable(tt.err); got != tt.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
