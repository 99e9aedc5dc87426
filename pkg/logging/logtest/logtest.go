// Package logtest checks log lines against the shape pkg/logging promises.
package logtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/logging"
)

// CheckLine parses one log line as a JSON object and checks it: no key twice, a "time" in
// logging.TimeFormat, and "batch" on every line about a row (one with "client_orderid"). It
// returns the fields.
func CheckLine(line []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object: %q", line)
	}
	fields := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %q", err, line)
		}
		key := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w: %q", key, err, line)
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("key %q twice: %s", key, line)
		}
		fields[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %q", err, line)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one value on the line: %q", line)
	}
	ts, _ := fields["time"].(string)
	if _, err := time.Parse(logging.TimeFormat, ts); err != nil || len(ts) != len("2006-01-02T15:04:05.000Z") {
		return nil, fmt.Errorf("time %q is not UTC with milliseconds: %s", ts, line)
	}
	if _, ok := fields["client_orderid"]; ok {
		if _, ok := fields["batch"]; !ok {
			return nil, fmt.Errorf("a line about a row without batch: %s", line)
		}
	}
	return fields, nil
}

// CheckLines checks every non-empty line of out.
func CheckLines(out string) ([]map[string]any, error) {
	var all []map[string]any
	for line := range strings.Lines(out) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f, err := CheckLine([]byte(line))
		if err != nil {
			return all, err
		}
		all = append(all, f)
	}
	return all, nil
}
