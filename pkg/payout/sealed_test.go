package payout

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/seal"
)

func testKeyring(t *testing.T, lines ...string) *seal.Keyring {
	t.Helper()
	var b strings.Builder
	for _, id := range lines { // the same id is the same key in every keyring
		b.WriteString(id + " " + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte(id[len(id)-1:]), seal.KeySize)) + "\n")
	}
	k, err := seal.Parse([]byte(b.String()), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sealedJobBytes(t *testing.T, batch string, j job.Job, k *seal.Keyring) []byte {
	t.Helper()
	m, err := job.NewMessage(batch, j).Seal(k)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("1234567890")) {
		t.Fatalf("sealed message holds the account number: %s", b)
	}
	return b
}

func (e *env) machineWithKeys(keys job.Opener, gw Gateway) *machine {
	e.t.Helper()
	m, err := newMachine(context.Background(), e.opts, Deps{JS: e.js, Gateway: gw, Classify: fakeClassify,
		Clock: e.clock, Keys: keys, Log: zerolog.New(zerolog.NewTestWriter(e.t)).Level(zerolog.InfoLevel)})
	if err != nil {
		e.t.Fatalf("NewMachine: %v", err)
	}
	return m
}

func (e *env) handleData(m *machine, batch string, data []byte, n uint64) decision {
	e.t.Helper()
	if jm, err := job.DecodeMessage(data); err == nil && n == 1 {
		e.enqueued(batch, jm.ClientOrderID)
	}
	msg := &fakeMsg{data: data, subject: e.names.JobSubject(batch),
		meta: jetstream.MsgMetadata{NumDelivered: n, Sequence: jetstream.SequencePair{Stream: 7}, Timestamp: t0}}
	return m.Handle(context.Background(), msg)
}

// A job sealed under key k1 is paid by a worker whose key file was rotated to k2 (first) + k1:
// the gateway gets the account number in clear, the result shows it masked.
func TestSealedJobPaidAfterKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	gw := &recordingGateway{Gateway: e.gw}
	data := sealedJobBytes(t, "B1", testJob("sealed-1", 2), testKeyring(t, "k1"))
	m := e.machineWithKeys(testKeyring(t, "k2", "k1"), gw)
	for n := uint64(1); n < 10; n++ { // submit, then status polls until the result
		if d := e.handleData(m, "B1", data, n); d.Action == actionAck {
			break
		}
		e.clock.Advance(time.Minute)
	}
	if len(gw.sent) != 1 || paramOf(gw.sent[0], "account_number") != "1234567890" {
		t.Fatalf("gateway got %v, want one payout with the opened account number", gw.sent)
	}
	rs := e.results("B1")
	if len(rs) != 1 || rs[0].Destination != "account ******7890" {
		t.Fatalf("results %+v", rs)
	}
}

// A sealed job the worker cannot open (no key file, a key file without its key, a value copied
// from another row) is never sent: it is dead-lettered, and the reason names no value. The row
// is enqueued, so it also ends with an error result whose code says why (see
// TestUnreadableJobOfRealRowEndsProvenUnsent).
//
// Protects I1.
func TestUnopenableSealedJobIsNeverSent(t *testing.T) {
	t.Parallel()
	k1 := testKeyring(t, "k1")
	swapped := func(t *testing.T) []byte {
		var a, b job.Message
		_ = json.Unmarshal(sealedJobBytes(t, "B1", testJob("row-a", 2), k1), &a)
		other := testJob("row-b", 3)
		other.Params[3].Value = "9999999999"
		_ = json.Unmarshal(sealedJobBytes(t, "B1", other, k1), &b)
		a.Params[3] = b.Params[3] // row b's sealed account number into row a
		out, _ := json.Marshal(a)
		return out
	}
	for _, tc := range []struct {
		name string
		keys job.Opener
		data func(t *testing.T) []byte
	}{
		{"no data key", nil, func(t *testing.T) []byte { return sealedJobBytes(t, "B1", testJob("row-a", 2), k1) }},
		{"key not in the key file", testKeyring(t, "k2"), func(t *testing.T) []byte { return sealedJobBytes(t, "B1", testJob("row-a", 2), k1) }},
		{"sealed value of another row", k1, swapped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			gw := &recordingGateway{Gateway: e.gw}
			d := e.handleData(e.machineWithKeys(tc.keys, gw), "B1", tc.data(t), 1)
			if len(gw.sent) != 0 {
				t.Fatalf("payout sent: %v", gw.sent)
			}
			if d.Action != actionAck || d.ResultStatus != job.StatusError {
				t.Errorf("decision %+v, want the row ended with an error result", d)
			}
			dls := e.deadLetters("B1")
			if len(dls) != 1 || strings.Contains(dls[0].Reason, "1234567890") || strings.Contains(dls[0].Reason, "9999999999") {
				t.Fatalf("dead letters %+v", dls)
			}
		})
	}
}

// echoingGateway answers every status call with a final decline whose code and message echo a
// card number in disguise, with a terminal escape.
type echoingGateway struct{ *fakeGateway }

func (g echoingGateway) Status(ctx context.Context, q StatusQuery) (StatusReply, error) {
	r, err := g.fakeGateway.Status(ctx, q)
	r.Status, r.Final = "declined", true
	r.ErrorCode, r.ErrorMessage = "4111111111111111", "card 4111.1111.1111.1111 \x1b[31mdeclined\x1b[0m"
	return r, err
}

// What a gateway echoes reaches the ledger and the result masked (issue 16: error_code was never
// masked, error_message missed '.'-separated numbers).
func TestGatewayEchoMaskedInLedgerAndResult(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	m := e.machineWithKeys(nil, echoingGateway{e.gw})
	data := jobBytes(t, "B1", testJob("echo-1", 2))
	for n := uint64(1); n < 10; n++ {
		if d := e.handleData(m, "B1", data, n); d.Action == actionAck {
			break
		}
		e.clock.Advance(time.Minute)
	}
	rs := e.results("B1")
	if len(rs) != 1 {
		t.Fatalf("results %+v", rs)
	}
	entry, _ := json.Marshal(e.ledger("B1", "echo-1"))
	for _, text := range []string{rs[0].ErrorCode, rs[0].ErrorMessage, string(entry)} {
		if strings.Contains(text, "4111") && !strings.Contains(text, "****") || strings.Contains(text, "1111.1111") ||
			strings.Contains(text, "4111111111111111") || strings.ContainsRune(text, '\x1b') {
			t.Errorf("unmasked gateway text: %q", text)
		}
	}
	if rs[0].ErrorCode != "************1111" {
		t.Errorf("error_code %q", rs[0].ErrorCode)
	}
}
