package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// entry is one line of the record file: the message as received and the key it is deduplicated
// by (batch + client_orderid for results and dead letters, batch for summaries).
type entry struct {
	Key       string          `json:"key"`
	Subject   string          `json:"subject"`
	StreamSeq uint64          `json:"stream_seq"`
	Message   json.RawMessage `json:"message"`
}

// record is the append-only file of handled messages and the set of their keys. In a real
// service this is the database table the results go to, with a unique key on (batch,
// client_orderid): the point is that the "already handled" check and the effect are one write.
type record struct {
	f    *os.File
	seen map[string]bool
}

// openRecord reads the keys already in path and opens it for appending. A last line cut short
// by a crash (no newline) is dropped: its message was never acknowledged and comes again.
func openRecord(path string) (*record, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r := &record{f: f, seen: map[string]bool{}}
	good, err := r.load(f)
	if err == nil {
		err = f.Truncate(good)
	}
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("record %s: %w", path, err)
	}
	return r, nil
}

// load reads every complete line of rd and returns the offset after the last one.
func (r *record) load(rd io.Reader) (int64, error) {
	br := bufio.NewReader(rd)
	var off int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return off, nil // a partial last line (if any) is cut off
		}
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(bytes.TrimSpace(line), &e); err != nil || e.Key == "" {
			return 0, fmt.Errorf("line %d: not a record entry (%v)", n, err)
		}
		r.seen[e.Key] = true
		off += int64(len(line))
	}
}

// add appends e and syncs the file; only then may the message be acknowledged.
func (r *record) add(e entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := r.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	r.seen[e.Key] = true
	return nil
}

func (r *record) close() error { return r.f.Close() }
