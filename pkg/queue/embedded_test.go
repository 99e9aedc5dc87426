package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

func TestEmbeddedRestartKeepsDataAndPort(t *testing.T) {
	t.Parallel()
	srv, nc, js := queuetest.Start(t)
	h := queuetest.Provision(t, js)
	ctx := context.Background()
	if !srv.Server().JetStreamConfig().SyncAlways {
		t.Error("embedded server does not run with sync_interval: always")
	}
	url := srv.ClientURL()
	if _, err := h.Batches.Put(ctx, "b1", []byte("manifest")); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if srv.Running() {
		t.Fatal("server still running after Stop")
	}
	queuetest.Restart(t, srv)
	if srv.ClientURL() != url {
		t.Errorf("restarted on %s, want %s", srv.ClientURL(), url)
	}
	queuetest.WaitConnected(t, nc, 10*time.Second)
	kv, err := js.KeyValue(ctx, queue.DefaultNames().BatchesBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "b1")
	if err != nil || string(e.Value()) != "manifest" {
		t.Fatalf("after restart Get = %v, %v", e, err)
	}
}

func TestConnectUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens here now
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = queue.Connect(ctx, queue.ConnectOptions{URL: "nats://user:secret@" + addr, Log: zerolog.Nop()})
	if !errors.Is(err, queue.ErrUnavailable) {
		t.Fatalf("Connect = %v, want ErrUnavailable", err)
	}
	if !queue.IsUnavailable(err) {
		t.Error("IsUnavailable = false")
	}
	if got := err.Error(); strings.Contains(got, "secret") {
		t.Errorf("error leaks the password: %s", got)
	}
}

func TestConnectOptionErrors(t *testing.T) {
	t.Parallel()
	tests := []queue.ConnectOptions{
		{User: "u", Password: "p", Token: "t"},
		{CertFile: "cert.pem"},
		{NKeyFile: "/nonexistent/seed.nk"},
	}
	for _, o := range tests {
		if _, err := queue.Connect(context.Background(), o); err == nil || errors.Is(err, queue.ErrUnavailable) {
			t.Errorf("Connect(%+v) = %v, want a configuration error", o, err)
		}
	}
}

func TestConnectWithUserPassword(t *testing.T) {
	t.Parallel()
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := queue.Connect(context.Background(), queue.ConnectOptions{URL: srv.ClientURL(), Name: "t", User: "u", Password: "p"})
	if err != nil { // the embedded server has no auth, so any credentials pass
		t.Fatal(err)
	}
	nc.Close()
}

func TestPublishAtomic(t *testing.T) {
	t.Parallel()
	_, nc, js := queuetest.Start(t)
	queuetest.Provision(t, js)
	ctx := context.Background()
	names := queue.DefaultNames()
	batch := func(ids ...string) []*nats.Msg {
		var msgs []*nats.Msg
		for _, id := range ids {
			m := nats.NewMsg(names.JobSubject("b1"))
			m.Header.Set(jetstream.MsgIDHeader, names.JobMsgID("b1", id))
			m.Data = []byte(id)
			msgs = append(msgs, m)
		}
		marker := nats.NewMsg(names.ChunkSubject("b1", 0))
		marker.Header.Set(queue.HeaderExpectedLastSubjectSeq, "0")
		return append(msgs, marker)
	}
	ack, err := queue.PublishAtomic(ctx, nc, batch("a", "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	if ack.Count != 4 || ack.Stream != names.JobStream {
		t.Errorf("ack = %+v", ack)
	}
	// Same chunk again: the duplicate ids reject the whole batch.
	if _, err := queue.PublishAtomic(ctx, nc, batch("a", "b", "c")); !errors.Is(err, queue.ErrAtomicDuplicate) {
		t.Errorf("re-publish = %v, want ErrAtomicDuplicate", err)
	}
	// New ids but the marker exists: the expectation rejects the whole batch.
	if _, err := queue.PublishAtomic(ctx, nc, batch("d", "e")); !errors.Is(err, queue.ErrWrongLastSequence) {
		t.Errorf("marker exists = %v, want ErrWrongLastSequence", err)
	}
	st, err := js.Stream(ctx, names.JobStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 4 {
		t.Errorf("stream holds %d messages, want 4 (rejected batches store nothing)", info.State.Msgs)
	}
	if _, err := queue.PublishAtomic(ctx, nc, nil); err == nil {
		t.Error("empty batch accepted")
	}
}

// A negative sync interval would silently give the server's default (2 minutes between fsyncs);
// it is refused.
func TestEmbeddedRefusesNegativeSyncInterval(t *testing.T) {
	t.Parallel()
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir(), Port: -1, SyncInterval: -time.Second})
	if err == nil {
		srv.Shutdown()
	}
	if !errors.Is(err, queue.ErrEmbedded) {
		t.Fatalf("StartEmbedded(SyncInterval -1s) = %v, want ErrEmbedded", err)
	}
}

// Invariant 6 (every row validation accepts can be published): AtomicMsgSize is exactly what the
// server counts against max_msg_size, so a job checked against it at validation is never refused
// for its size when published; one byte more is refused, as a refusal (nothing stored).
func TestAtomicMsgSizeIsWhatTheServerCounts(t *testing.T) {
	t.Parallel()
	_, nc, js := queuetest.Start(t)
	s := queue.DefaultSettings()
	s.MaxMsgSize = 1024
	if _, err := queue.Provision(context.Background(), js, queue.DefaultNames(), s); err != nil {
		t.Fatal(err)
	}
	names := queue.DefaultNames()
	publish := func(chunk, size int) error {
		hdr := nats.Header{}
		hdr.Set(jetstream.MsgIDHeader, names.JobMsgID("b1", fmt.Sprint("o", chunk)))
		data := size - queue.AtomicMsgSize(0, hdr, 1, false)
		_, err := queue.PublishAtomicFunc(context.Background(), nc, 2, func(i int, m *nats.Msg) {
			if i == 1 {
				m.Subject = names.ChunkSubject("b1", chunk)
				m.Header.Set(queue.HeaderExpectedLastSubjectSeq, "0")
				return
			}
			m.Subject, m.Data = names.JobSubject("b1"), bytes.Repeat([]byte("x"), data)
			m.Header.Set(jetstream.MsgIDHeader, names.JobMsgID("b1", fmt.Sprint("o", chunk)))
		})
		return err
	}
	if err := publish(0, 1024); err != nil {
		t.Fatalf("a message of exactly max_msg_size: %v", err)
	}
	err := publish(1, 1025)
	if err == nil || !queue.IsRefused(err) {
		t.Fatalf("one byte over max_msg_size: %v, want a refusal", err)
	}
	if queue.IsRefused(nats.ErrTimeout) || queue.IsRefused(queue.ErrUnavailable) {
		t.Error("an unknown outcome counted as a refusal")
	}
}
