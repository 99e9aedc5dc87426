package sandbox

import (
	"bytes"
	"testing"
)

// FuzzStoreReplay: any store file either replays or is refused with an error; it never panics,
// and a replayed store's indexes agree (every order listed by client_orderid is the one by id).
func FuzzStoreReplay(f *testing.F) {
	f.Add([]byte(`{"op":"order","id":"6982865","client_orderid":"a","final":"approved","is_final":true}` + "\n" +
		`{"op":"poll","id":"6982865","polls":1,"is_final":true}` + "\n" + `{"op":"serial","n":3}` + "\n"))
	f.Add([]byte(`{"op":"poll","id":"1"}` + "\n"))
	f.Add([]byte(`{"op":"order","id":"x"}` + "\n"))
	f.Add([]byte(`{"op":"order","id":"7","client_orderid":"a"}` + "\n" + `{"op":"order","id":"7","client_orderid":"b"}` + "\n"))
	f.Add([]byte(`{"op":"serial","n":1}` + "\n" + `{"op":"ord`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStore()
		off, err := s.replay(bytes.NewReader(data))
		if err != nil {
			return
		}
		if off > int64(len(data)) {
			t.Fatalf("offset %d past the input (%d bytes)", off, len(data))
		}
		for coid, list := range s.byClient {
			for _, o := range list {
				if o.clientOrderID != coid {
					t.Fatalf("order %s listed under %q, has %q", o.id, coid, o.clientOrderID)
				}
			}
		}
	})
}
