package main

import (
	"bytes"
	"testing"
)

// FuzzRecordLoad: any record file either loads or is refused with an error naming the line;
// it never panics, and what loads is only keys of complete lines.
func FuzzRecordLoad(f *testing.F) {
	f.Add([]byte(`{"key":"result:b:1","subject":"s","stream_seq":1,"message":{}}` + "\n"))
	f.Add([]byte(`{"key":"result:b:1","subject":"s","stream_seq":1,"message":{}}` + "\n" + `{"key":"res`))
	f.Add([]byte("not json\n"))
	f.Add([]byte(`{"key":""}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &record{seen: map[string]bool{}}
		off, err := r.load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if off > int64(len(data)) || (off > 0 && data[off-1] != '\n') {
			t.Fatalf("offset %d does not end a complete line of %q", off, data)
		}
		if len(r.seen) > bytes.Count(data[:off], []byte("\n")) {
			t.Fatalf("%d keys from %d lines", len(r.seen), bytes.Count(data[:off], []byte("\n")))
		}
	})
}
