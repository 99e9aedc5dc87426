package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// kvStream is the stream behind a KV bucket as nats.go creates it, with mutate applied: how an
// operator's `nats kv add --persist-mode async` or `--marker-ttl` bucket looks to Provision.
func kvStream(bucket string, mutate func(*jetstream.StreamConfig)) jetstream.StreamConfig {
	c := jetstream.StreamConfig{
		Name: "KV_" + bucket, Subjects: []string{"$KV." + bucket + ".>"}, MaxMsgsPerSubject: 5,
		Storage: jetstream.FileStorage, Discard: jetstream.DiscardNew, AllowRollup: true, DenyDelete: true,
		AllowDirect: true, Replicas: 1, Duplicates: 2 * time.Minute,
	}
	mutate(&c)
	return c
}

// Invariant 1 (at most one payout per row: the ledger written before the request is the evidence)
// and invariant 2 (no row lost): Provision refuses at start a ledger, reservation or manifest
// bucket, or a stream, that can lose writes it has acknowledged: persist_mode async (acknowledged
// before it is flushed, whatever sync_interval says) or per-message TTLs (an entry published with
// a Nats-TTL header expires). The error names the bucket and the setting; nothing is changed.
func TestProvisionRefusesStorageThatLosesAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	names, s := queue.DefaultNames(), queue.DefaultSettings()
	async := func(c *jetstream.StreamConfig) { c.PersistMode = jetstream.AsyncPersistMode }
	msgTTL := func(c *jetstream.StreamConfig) { c.AllowMsgTTL = true }
	tests := []struct {
		name, object, setting string
		cfg                   jetstream.StreamConfig
	}{
		{"ledger async", names.LedgerBucket, "persist_mode", kvStream(names.LedgerBucket, async)},
		{"orders async", names.OrdersBucket, "persist_mode", kvStream(names.OrdersBucket, async)},
		{"batches async", names.BatchesBucket, "persist_mode", kvStream(names.BatchesBucket, async)},
		{"ledger message TTLs", names.LedgerBucket, "allow_msg_ttl", kvStream(names.LedgerBucket, msgTTL)},
		{"orders message TTLs", names.OrdersBucket, "allow_msg_ttl", kvStream(names.OrdersBucket, msgTTL)},
		{"jobs stream message TTLs", names.JobStream, "allow_msg_ttl", func() jetstream.StreamConfig {
			c := queue.JobStreamConfig(names, s)
			c.AllowMsgTTL = true
			return c
		}()},
		{"results stream async", names.ResultStream, "persist_mode", func() jetstream.StreamConfig {
			c := queue.ResultStreamConfig(names, s)
			c.PersistMode = jetstream.AsyncPersistMode
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, js := queuetest.Start(t)
			ctx := context.Background()
			if _, err := js.CreateStream(ctx, tt.cfg); err != nil {
				t.Fatal(err)
			}
			_, err := queue.Provision(ctx, js, names, s)
			var me *queue.MismatchError
			if !errors.As(err, &me) || me.Name != tt.object || me.Setting != tt.setting {
				t.Fatalf("Provision = %v, want a %s mismatch on %s", err, tt.setting, tt.object)
			}
			st, err := js.Stream(ctx, tt.cfg.Name)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.CachedInfo().Config; got.PersistMode != tt.cfg.PersistMode || got.AllowMsgTTL != tt.cfg.AllowMsgTTL {
				t.Errorf("existing %s changed: %+v", tt.cfg.Name, got)
			}
		})
	}
}

// startWithSystemUser runs a nats-server with JetStream at its default sync setting (or always)
// and a system-account user, and connects as that user and as an ordinary one.
func startWithSystemUser(t *testing.T, always bool) (sys, app *nats.Conn) {
	t.Helper()
	sysAcc, appAcc := server.NewAccount("SYS"), server.NewAccount("APP")
	opts := &server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true, SyncAlways: always,
		SystemAccount: "SYS", Accounts: []*server.Account{sysAcc, appAcc},
		Users: []*server.User{{Username: "sys", Password: "s", Account: sysAcc}, {Username: "app", Password: "a", Account: appAcc}},
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	connect := func(user, pass string) *nats.Conn {
		nc, err := nats.Connect(srv.ClientURL(), nats.UserInfo(user, pass))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}
	return connect("sys", "s"), connect("app", "a")
}

// Invariant 1: the worker learns and reports whether the server fsyncs every acknowledged write
// where the server tells it (a system-account user; the embedded server knows its own options),
// says "unknown" where it does not, and with a real gateway a server known not to fsync every
// write is an error-level finding, an unknown one a warning.
func TestServerSyncIsReportedAndJudged(t *testing.T) {
	t.Parallel()
	sys, app := startWithSystemUser(t, false)
	ctx := context.Background()
	if s := queue.ServerSync(ctx, sys); !s.Known || s.Always || s.Interval != queue.DefaultServerSyncInterval {
		t.Errorf("default server seen by the system account: %+v, want known, every 2m", s)
	}
	if s := queue.ServerSync(ctx, app); s.Known || !strings.Contains(s.Source, "system account") {
		t.Errorf("default server seen by an ordinary account: %+v, want unknown with the reason", s)
	}
	sysAlways, _ := startWithSystemUser(t, true)
	if s := queue.ServerSync(ctx, sysAlways); !s.Known || !s.Always {
		t.Errorf("sync_interval always server: %+v", s)
	}
	emb, _, _ := queuetest.Start(t)
	if s := emb.Sync(); !s.Known || !s.Always {
		t.Errorf("embedded server: %+v, want always", s)
	}

	every2m := queue.Sync{Known: true, Interval: 2 * time.Minute}
	for _, tt := range []struct {
		sync  queue.Sync
		real  bool
		level zerolog.Level
		says  string
	}{
		{every2m, true, zerolog.ErrorLevel, "does not fsync every write (sync every 2m0s)"},
		{every2m, false, zerolog.WarnLevel, "not for real payouts"},
		{queue.Sync{Source: "why"}, true, zerolog.WarnLevel, "cannot tell"},
		{queue.Sync{Source: "why"}, false, zerolog.InfoLevel, "unknown (why)"},
		{queue.Sync{Known: true, Always: true}, true, zerolog.InfoLevel, "sync_interval: always"},
	} {
		level, msg := tt.sync.Verdict(tt.real)
		if level != tt.level || !strings.Contains(msg, tt.says) || (level >= zerolog.WarnLevel && !strings.Contains(msg, "sync_interval: always")) {
			t.Errorf("Verdict(%+v, real gateway %v) = %s %q", tt.sync, tt.real, level, msg)
		}
	}
}
