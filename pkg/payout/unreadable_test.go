package payout

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
)

// A job of a real row (its batch has a manifest, its client_orderid is reserved for the batch)
// that the worker cannot read — sealed under a data key the worker no longer has, or not
// decodable — is never sent, and ends with a final error result carrying a documented code and
// a ledger entry that Entry.ProvenUnsent accepts (so `enqueue --retry` can put it back once the
// key is restored), instead of a dead letter alone that leaves the batch without its summary.
// The same message naming no enqueued row stays a dead letter only, with no ledger entry and no
// result.
//
// Protects I2 (every accepted row gets exactly one final result) and I5 (a row ends on proof that
// nothing left, and can be put back).
func TestUnreadableJobOfRealRowEndsProvenUnsent(t *testing.T) {
	t.Parallel()
	const batch = "UNREAD"
	undecodable := func(t *testing.T, coid string) []byte {
		var m map[string]any
		if err := json.Unmarshal(jobBytes(t, batch, testJob(coid, 2)), &m); err != nil {
			t.Fatal(err)
		}
		m["params"] = []map[string]string{{"name": "client_orderid", "value": "someone-else"}}
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name     string
		data     func(t *testing.T, coid string) []byte
		enqueued bool
		code     string
	}{
		{"sealed under a key the worker lacks", func(t *testing.T, coid string) []byte {
			return sealedJobBytes(t, batch, testJob(coid, 2), testKeyring(t, "k1"))
		}, true, job.CodeDataKeyUnavailable},
		{"undecodable", undecodable, true, job.CodeUndecodable},
		{"sealed under a lost key, foreign", func(t *testing.T, coid string) []byte {
			return sealedJobBytes(t, batch, testJob(coid, 2), testKeyring(t, "k1"))
		}, false, ""},
		{"undecodable, foreign", undecodable, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			const coid = "unread-1"
			if tc.enqueued {
				e.enqueued(batch, coid)
			}
			gw := &recordingGateway{Gateway: e.gw}
			m := e.machineWithKeys(testKeyring(t, "k2"), gw)
			msg := &fakeMsg{data: tc.data(t, coid), subject: e.names.JobSubject(batch),
				meta: jetstream.MsgMetadata{NumDelivered: 1, Sequence: jetstream.SequencePair{Stream: 7}, Timestamp: t0}}
			d := m.Handle(context.Background(), msg)
			if len(gw.sent) != 0 || e.gw.statuses(coid) != 0 {
				t.Fatalf("the gateway was called: %v", gw.sent)
			}
			dls := e.deadLetters(batch)
			if len(dls) != 1 || strings.Contains(dls[0].Reason, "1234567890") {
				t.Fatalf("dead letters %+v, want one naming no value", dls)
			}
			en, rs := e.ledger(batch, coid), e.results(batch)
			if !tc.enqueued {
				if d.Action != actionTerm || en != nil || len(rs) != 0 {
					t.Fatalf("foreign message: decision %+v, ledger %+v, results %+v; want term, neither", d, en, rs)
				}
				return
			}
			if d.Action != actionAck || len(rs) != 1 || rs[0].Status != job.StatusError || rs[0].ErrorCode != tc.code || rs[0].Amount != "10.50" {
				t.Fatalf("decision %+v results %+v, want one error result with code %s", d, rs, tc.code)
			}
			if en == nil || !en.ProvenUnsent() || en.State != StateReported {
				t.Fatalf("ledger %+v, want a reported entry that ProvenUnsent accepts", en)
			}
			if dls[0].Ledger == nil || dls[0].Result != job.StatusError {
				t.Fatalf("dead letter %+v, want the row's ledger entry and result", dls[0])
			}
		})
	}
}
