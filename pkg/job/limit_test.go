package job

import (
	"io"
	"strings"
	"testing"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// repeatReader yields prefix, then s repeated n times, then suffix, without building it.
func repeatReader(prefix, s string, n int, suffix string) io.Reader {
	parts := []io.Reader{strings.NewReader(prefix)}
	chunk := strings.Repeat(s, 4096)
	for left := n; left > 0; left -= 4096 {
		parts = append(parts, strings.NewReader(chunk[:min(left, 4096)*len(s)]))
	}
	return io.MultiReader(append(parts, strings.NewReader(suffix))...)
}

// Every bound stops the Reader early (it reads little more than the bound) and names the line
// where the offending record or quote starts.
func TestReaderBounds(t *testing.T) {
	t.Parallel()
	const hdr = "client_orderid,amount,currency,account_number,merchant_data\n"
	row := "o1,10.00,USD,1234567890,x\n"
	for _, tc := range []struct {
		name     string
		in       io.Reader
		line     int
		col      int
		reason   string
		maxBytes int // the Reader must stop reading before this
	}{
		{"quoted field of many short lines (100 MB)", repeatReader(hdr+row+"o2,1.00,USD,1234567890,\"", "x\n", 50<<20, "\"\n"),
			3, 24, "runs over", MaxRecordBytes + 1<<20},
		{"quote never closed, rest under the bound", strings.NewReader(hdr + row + "o2,1.00,USD,1234567890,\"open\n" + strings.Repeat(row, 10)),
			3, 24, "never closed", 1 << 20},
		{"500k header columns", repeatReader("client_orderid", ",c", 500_000, "\n"+row),
			1, 0, "more than 1000 fields", 64 << 10},
		{"row of many fields", repeatReader(hdr+"o1", ",1", 5000, "\n"),
			2, 0, "more than 1000 fields", 64 << 10},
		{"long unquoted row", repeatReader(hdr+"o1,10.00,USD,1234567890,", "x", 3<<20, "\n"),
			2, 0, "line is longer", MaxLineBytes + 1<<20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cr := &countingReader{r: tc.in}
			r := NewReader(cr, "t.csv", WithClock(testToday))
			var errs []*ValidationError
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				if err == nil {
					continue
				}
				ve, ok := err.(*ValidationError)
				if !ok {
					t.Fatalf("Next: %v", err)
				}
				errs = append(errs, ve)
			}
			last := errs[len(errs)-1]
			if last.Line != tc.line || last.Column != tc.col || !strings.Contains(last.Reason, tc.reason) {
				t.Errorf("last error %v, want %d:%d: ...%s...", last, tc.line, tc.col, tc.reason)
			}
			if cr.n > tc.maxBytes {
				t.Errorf("read %d bytes before stopping, want at most %d", cr.n, tc.maxBytes)
			}
		})
	}
}

// Quoted line breaks and escaped quotes under the bounds are read as before.
func TestReaderBoundsKeepValidQuoting(t *testing.T) {
	t.Parallel()
	in := "client_orderid,amount,currency,account_number,merchant_data\n" +
		"o1,10.00,USD,1234567890,\"line 1\nline \"\"2\"\",\n" + strings.Repeat("more\n", 1000) + "end\"\n" +
		"\"o2\",1.00,USD,1234567890,\"\"\n"
	jobs, errs, err := readAll(t, in)
	if err != nil || len(errs) != 0 || len(jobs) != 2 {
		t.Fatalf("jobs %d, errors %v, %v", len(jobs), errs, err)
	}
	if md := jobs[0].Param("merchant_data"); !strings.HasPrefix(md, "line 1\nline \"2\",\nmore") || jobs[1].ClientOrderID != "o2" {
		t.Errorf("merchant_data %q, second id %q", md[:20], jobs[1].ClientOrderID)
	}
}
