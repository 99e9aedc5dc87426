package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// DefaultServerSyncInterval is nats-server's fsync interval when its config sets none.
const DefaultServerSyncInterval = 2 * time.Minute

// Sync is what is known of the JetStream server's fsync policy: whether a write it has
// acknowledged is on disk (sync_interval: always) or may be lost on power loss or a host crash
// for up to Interval.
type Sync struct {
	Known    bool          // false: the server does not tell this connection (see Source)
	Always   bool          // sync_interval: always
	Interval time.Duration // the fsync interval when not Always
	Source   string        // where this was learned, or why it is unknown
}

func (s Sync) String() string {
	switch {
	case !s.Known:
		return "unknown"
	case s.Always:
		return "always"
	}
	return "every " + s.Interval.String()
}

// ServerSync asks the server nc is connected to for its JetStream sync setting. Only a user of
// the system account may ask ($SYS.REQ.SERVER.<id>.JSZ); for any other the answer is unknown
// (found out within a few seconds at most), and the setting can be read on the server's
// monitoring port (/varz, jetstream.config.sync_always) or in its config file.
func ServerSync(ctx context.Context, nc *nats.Conn) Sync {
	subject := fmt.Sprintf("$SYS.REQ.SERVER.%s.JSZ", nc.ConnectedServerId())
	unknown := Sync{Source: "not visible to this connection: nats-server tells its JetStream config only to the system account (" +
		subject + ") and on its monitoring port (/varz)"}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	msg, err := nc.RequestWithContext(ctx, subject, []byte("{}"))
	if err != nil {
		return unknown
	}
	var r struct {
		Data *struct {
			Config struct {
				SyncInterval time.Duration `json:"sync_interval"`
				SyncAlways   bool          `json:"sync_always"`
			} `json:"config"`
		} `json:"data"`
	}
	if err := json.Unmarshal(msg.Data, &r); err != nil || r.Data == nil {
		return unknown
	}
	s := Sync{Known: true, Always: r.Data.Config.SyncAlways, Interval: r.Data.Config.SyncInterval,
		Source: "the connected server's JetStream config (" + subject + ")"}
	if !s.Always && s.Interval <= 0 {
		s.Interval = DefaultServerSyncInterval
	}
	return s
}

// Verdict is how a worker reports s at start: the log level and the message. Paying through a
// real gateway on a server known not to fsync every write is an error (a crash of the server's
// host can lose a ledger entry written before a payout request, and only a lookup before every
// later send then stands between the row and a second payout); an unknown setting is a warning.
func (s Sync) Verdict(realGateway bool) (zerolog.Level, string) {
	const fix = "set sync_interval: always in the server's jetstream block (docs/queue.md)"
	switch {
	case s.Known && s.Always:
		return zerolog.InfoLevel, "JetStream server fsyncs every write (sync_interval: always)"
	case !s.Known && realGateway:
		return zerolog.WarnLevel, "cannot tell whether the JetStream server fsyncs every write (" + s.Source + "); make sure it does: " + fix
	case !s.Known:
		return zerolog.InfoLevel, "JetStream server sync setting unknown (" + s.Source + ")"
	case realGateway:
		return zerolog.ErrorLevel, fmt.Sprintf("the JetStream server does not fsync every write (sync every %s): acknowledged ledger entries, reservations and jobs can be lost if its host crashes, "+
			"and a lost ledger entry can lead to a second payout; %s", s.Interval, fix)
	}
	return zerolog.WarnLevel, fmt.Sprintf("the JetStream server does not fsync every write (sync every %s); fine for the sandbox, not for real payouts: %s", s.Interval, fix)
}
