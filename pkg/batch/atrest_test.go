package batch_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/seal"
)

// secretsAtRest are the card and account numbers of atRestCSV: none may be readable at rest.
var secretsAtRest = []string{"4000056655665556", "5555555555554444", "DE89370400440532013000", "987654321012", "021000021"}

func atRestCSV() string {
	var b strings.Builder
	b.WriteString("client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year,account_number,routing_number\n")
	fmt.Fprintf(&b, "rest-1,10.00,USD,%s,ANN LEE,12,2099,,\n", secretsAtRest[0])
	fmt.Fprintf(&b, "rest-2,11.00,USD,%s,BOB ROE,01,2098,,\n", secretsAtRest[1])
	fmt.Fprintf(&b, "rest-3,12.00,EUR,,,,,%s,\n", secretsAtRest[2])
	fmt.Fprintf(&b, "rest-4,13.00,USD,,,,,%s,%s\n", secretsAtRest[3], secretsAtRest[4])
	return b.String()
}

// found lists the secrets that occur in data.
func found(data []byte) []string {
	var out []string
	for _, s := range secretsAtRest {
		if bytes.Contains(data, []byte(s)) {
			out = append(out, s)
		}
	}
	return out
}

// After an enqueue with a data key (job parameters sealed, the embedded server's store encrypted)
// neither the stream read through NATS nor any file of the store holds a card or account number;
// with encryption off both do (the negative control: the search would find them).
func TestNoCardDataInClearAtRest(t *testing.T) {
	t.Parallel()
	keys, err := seal.Parse([]byte("k1 "+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, seal.KeySize))), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, encrypted := range []bool{true, false} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			eo := queue.EmbeddedOptions{StoreDir: dir, Port: -1}
			o := batch.Options{ChunkSize: 2}
			if encrypted {
				eo.StoreKey, _, _ = keys.Derive(queue.StoreKeyInfo)
				o.Seal = keys
			}
			srv, err := queue.StartEmbedded(eo)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Shutdown)
			_, js := queuetest.Connect(t, srv)
			e := env{srv: srv, js: js, h: queuetest.Provision(t, js)}
			in := stringInput("rest.csv", atRestCSV())
			if _, err := e.enqueuer(t, o).Enqueue(context.Background(), in, plan(t, in, "REST")); err != nil {
				t.Fatal(err)
			}
			assertExactlyOnce(t, e, "REST", 4)

			var viaNATS []byte
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			info, err := e.h.Jobs.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
				m, err := e.h.Jobs.GetMsg(ctx, seq)
				if err != nil && err != jetstream.ErrMsgNotFound {
					t.Fatal(err)
				}
				if m != nil {
					viaNATS = append(viaNATS, m.Data...)
				}
			}
			srv.Stop() // every write is on disk (sync always); stopping flushes the indexes too
			var onDisk []byte
			files := 0
			err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				files++
				onDisk = append(onDisk, b...)
				return err
			})
			if err != nil || files == 0 {
				t.Fatalf("store files: %d, %v", files, err)
			}
			gotNATS, gotDisk := found(viaNATS), found(onDisk)
			if encrypted && (len(gotNATS) > 0 || len(gotDisk) > 0) {
				t.Errorf("in clear through NATS %v, in the store files %v", gotNATS, gotDisk)
			}
			// The store cipher hides what sealing leaves in clear (ids, amounts, names).
			if encrypted == bytes.Contains(onDisk, []byte("rest-1")) {
				t.Errorf("store encrypted %v, but a client_orderid in the store files: %v", encrypted, !encrypted)
			}
			if !encrypted && (len(gotNATS) != len(secretsAtRest) || len(gotDisk) != len(secretsAtRest)) {
				t.Errorf("negative control: found through NATS %v, in the store files %v; want all of %v", gotNATS, gotDisk, secretsAtRest)
			}
		})
	}
}
