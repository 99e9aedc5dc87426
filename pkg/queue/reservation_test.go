package queue_test

import (
	"fmt"
	"testing"

	"github.com/payrun/payrun/pkg/queue"
)

// A reservation round-trips; an older enqueue's bare batch id reads as a reservation without a
// digest (its content cannot be checked); a broken JSON value is an error, never a batch id.
func TestReservationDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    queue.Reservation
		wantErr bool
	}{
		{in: string(queue.Reservation{BatchID: "B-1", Digest: "sha256-v1:ab"}.Encode()), want: queue.Reservation{BatchID: "B-1", Digest: "sha256-v1:ab"}},
		{in: "B-1", want: queue.Reservation{BatchID: "B-1"}},
		{in: `{"batch_id":`, wantErr: true},
	} {
		got, err := queue.DecodeReservation([]byte(tc.in))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("DecodeReservation(%q) = %+v, %v; want %+v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// A chunk's row record holds exactly its rows: another client_orderid, or the same one with
// another content digest, is not in it.
func TestRowRecordHolds(t *testing.T) {
	t.Parallel()
	var hs [][]byte
	for i := range 999 {
		hs = append(hs, queue.RowHash(fmt.Sprintf("o-%d", i), fmt.Sprintf("d%d", i)))
	}
	r := queue.NewRowRecord("B", 0, hs)
	for i := range 999 {
		if !r.Holds(queue.RowHash(fmt.Sprintf("o-%d", i), fmt.Sprintf("d%d", i))) {
			t.Fatalf("row %d not held", i)
		}
	}
	for _, h := range [][]byte{queue.RowHash("o-1", "d2"), queue.RowHash("o-1000", "d1000"), {1, 2}} {
		if r.Holds(h) {
			t.Errorf("%x held", h)
		}
	}
}

func FuzzDecodeReservation(f *testing.F) {
	f.Add([]byte("B-1"))
	f.Add(queue.Reservation{BatchID: "B", Digest: "sha256-v1:00"}.Encode())
	f.Add([]byte(`{"batch_id":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := queue.DecodeReservation(b)
		if err != nil {
			return
		}
		if again, err := queue.DecodeReservation(r.Encode()); err != nil || again != r {
			t.Fatalf("%+v does not round-trip: %+v, %v", r, again, err)
		}
	})
}
