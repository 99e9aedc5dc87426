package sandbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// journalRecord is one line of the store file: an order committed, a poll counted, or a serial
// number handed out. Replaying the lines in order rebuilds the store.
type journalRecord struct {
	Op            string `json:"op"` // "order", "poll", "serial"
	ID            string `json:"id,omitempty"`
	ClientOrderID string `json:"client_orderid,omitempty"`
	EndpointID    string `json:"endpoint_id,omitempty"`
	Serial        string `json:"serial,omitempty"`
	Amount        string `json:"amount,omitempty"`
	Currency      string `json:"currency,omitempty"`
	CallbackURL   string `json:"callback_url,omitempty"`
	Final         string `json:"final,omitempty"`
	Polls         int    `json:"polls,omitempty"`
	IsFinal       bool   `json:"is_final,omitempty"`
	N             uint64 `json:"n,omitempty"` // serial counter
}

// journal appends records to the store file. Write errors are kept and reported by Close: the
// sandbox keeps answering from memory.
type journal struct {
	f   *os.File
	w   *bufio.Writer
	err error
}

// openStore reads path (if it exists) into a new store and opens it for appending. A last line
// cut short by a crash is dropped.
func openStore(path string) (*store, error) {
	s := newStore()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sandbox: store: %w", err)
	}
	good, err := s.replay(f)
	if err == nil {
		err = f.Truncate(good)
	}
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sandbox: store %s: %w", path, err)
	}
	s.j = &journal{f: f, w: bufio.NewWriter(f)}
	return s, nil
}

// replay applies every complete line of r and returns the offset after the last one.
func (s *store) replay(r io.Reader) (int64, error) {
	br := bufio.NewReader(r)
	var off int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return off, nil
		}
		if err != nil {
			return 0, err
		}
		var rec journalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return 0, fmt.Errorf("line %d: %w", n, err)
		}
		if err := s.apply(rec); err != nil {
			return 0, fmt.Errorf("line %d: %w", n, err)
		}
		off += int64(len(line))
	}
}

func (s *store) apply(rec journalRecord) error {
	switch rec.Op {
	case "order":
		id, err := strconv.ParseInt(rec.ID, 10, 64)
		if err != nil {
			return fmt.Errorf("order id %q: %w", rec.ID, err)
		}
		if s.byID[rec.ID] != nil {
			return fmt.Errorf("order id %s twice", rec.ID)
		}
		o := &order{id: rec.ID, clientOrderID: rec.ClientOrderID, endpointID: rec.EndpointID, serial: rec.Serial,
			amount: rec.Amount, currency: rec.Currency, callbackURL: rec.CallbackURL, final: rec.Final,
			polls: rec.Polls, isFinal: rec.IsFinal}
		s.byID[o.id] = o
		s.byClient[o.clientOrderID] = append(s.byClient[o.clientOrderID], o)
		s.nextID = max(s.nextID, id)
	case "poll":
		o := s.byID[rec.ID]
		if o == nil {
			return fmt.Errorf("poll of unknown order %q", rec.ID)
		}
		o.polls, o.isFinal = rec.Polls, rec.IsFinal
	case "serial":
		s.serial = max(s.serial, rec.N)
	default:
		return fmt.Errorf("unknown op %q", rec.Op)
	}
	return nil
}

// write appends rec and hands it to the operating system (a process that dies keeps it; a
// sandbox does not fsync). Called with the store's lock held.
func (j *journal) write(rec journalRecord) {
	if j == nil || j.err != nil {
		return
	}
	b, err := json.Marshal(rec)
	if err == nil {
		_, err = j.w.Write(append(b, '\n'))
	}
	if err == nil {
		err = j.w.Flush()
	}
	j.err = err
}

// close flushes and closes the file; it returns the first write error.
func (j *journal) close() error {
	if j == nil {
		return nil
	}
	return errors.Join(j.err, j.f.Close())
}
