package batch

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/seal"
)

// The job size check measures the job as it is stored: sealed. A sealed job is larger, so a row
// that fits in clear can exceed the stream's limit once sealed; measured in clear it would pass
// validation and then fail at publish.
func TestJobSizeMeasuresTheSealedJob(t *testing.T) {
	t.Parallel()
	keys, err := seal.Parse([]byte("k1 "+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, seal.KeySize))), "t")
	if err != nil {
		t.Fatal(err)
	}
	amount, _ := job.ParseAmount("10.00", "USD")
	j := job.Job{ClientOrderID: "o1", Amount: amount, Line: 2, Params: []job.Param{
		{Name: "client_orderid", Value: "o1"}, {Name: "amount", Value: "10.00"}, {Name: "currency", Value: "USD"},
		{Name: "credit_card_number", Value: "4111111111111111"}, {Name: "card_printed_name", Value: "ANN LEE"},
		{Name: "expire_month", Value: "12"}, {Name: "expire_year", Value: "2099"},
	}}
	data, _, err := (&Enqueuer{opts: Options{Seal: keys}}).encodeJob("B", j)
	if err != nil {
		t.Fatal(err)
	}
	hdr := nats.Header{}
	hdr.Set(jetstream.MsgIDHeader, queue.DefaultNames().JobMsgID("B", j.ClientOrderID))
	stored := queue.AtomicMsgSize(len(data), hdr, queue.MaxAtomicBatch, false)
	clear, sealed := jobSize("B", j, nil), jobSize("B", j, keys)
	if sealed != stored || clear >= sealed {
		t.Fatalf("measured %d sealed (%d clear), the stored job is %d bytes", sealed, clear, stored)
	}
	between := JobLimit{Bytes: sealed - 1, Seal: keys}
	if got := between.sizeLimit("B").Size(j); got <= between.Bytes {
		t.Errorf("a limit between the clear (%d) and the sealed size (%d) passes the row", clear, sealed)
	}
}
