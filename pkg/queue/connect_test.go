package queue_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/queue"
)

// A deliberate Close is not an incident: it must not log a warning (enqueue shows warnings to
// people, and every clean exit would print "nats disconnected").
func TestConnectDeliberateCloseIsQuiet(t *testing.T) {
	t.Parallel()
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	var logs syncBuffer
	nc, err := queue.Connect(context.Background(), queue.ConnectOptions{URL: srv.ClientURL(), Name: "t", Log: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	// The closed callback runs after the disconnect callback (one ordered callback queue).
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "nats connection closed") {
		if time.Now().After(deadline) {
			t.Fatalf("close not logged: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
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
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	var logs syncBuffer
	nc, err := queue.Connect(context.Background(), queue.ConnectOptions{
		URL: srv.ClientURL(), Name: "t", MaxReconnects: 1, ReconnectWait: 10 * time.Millisecond, Log: zerolog.New(&logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	srv.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "nats connection closed") {
		if time.Now().After(deadline) {
			t.Fatalf("close not logged: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := logs.String()
	if !strings.Contains(got, `{"level":"warn","server"`) || !strings.Contains(got, `"level":"error"`) {
		t.Errorf("lost connection not logged as warn + error: %s", got)
	}
}
