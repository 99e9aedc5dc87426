package job

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLayout fuzzes delimiter, title-row and header detection. Whatever the
// bytes, a file that ValidateFile accepts was read one way only:
//   - no two columns fill one parameter;
//   - unless Excel's sep= line said which, the header line names at most one
//     parameter under any other delimiter (so the choice was not a guess);
//   - every skipped title line held at most one non-empty field (a data row
//     is never skipped);
//   - every job's amount is a field of its row exactly as written, and the
//     Amount is what ParseAmount makes of it (no value is ever changed).
func FuzzLayout(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "exports", "*"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"sep=;\nclient_orderid;amount;currency;account_number\no1;1.00;USD;123\n",
		"Title\n\nClient OrderID\tAmount\tCurrency\tIBAN\no1\t2\tJPY\tDE89\n",
		"x;client_orderid;amount;y,currency,account_number,z\n",
		"o0,9.99,USD,1\nclient_orderid,amount,currency,account_number\no1,1,USD,2\n",
		"\ufeffAmount,Client-Order-ID,CCY,Account No\r\n\"10.50\",a,EUR,1\r\n,,,\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ValidateFile(bytes.NewReader(data), "f.csv", WithClock(testToday)); err != nil {
			return
		}
		rd := NewReader(bytes.NewReader(data), "f.csv", WithClock(testToday))
		var jobs []Job
		for {
			j, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("ValidateFile accepted the file, the Reader says %v", err)
			}
			jobs = append(jobs, j)
		}
		l := rd.Layout()
		seen := map[string]bool{}
		for _, c := range l.Columns {
			if c.Param != "" && seen[c.Param] {
				t.Fatalf("two columns fill %s: %+v", c.Param, l.Columns)
			}
			seen[c.Param] = true
		}
		lines := recordsByLine(t, data, l.Delimiter)
		if l.SepLine == 0 {
			for _, d := range []rune{',', ';', '\t'} {
				if d == l.Delimiter {
					continue
				}
				if other := recordsByLine(t, data, d)[l.HeaderLine]; namesKnown(other) >= 2 {
					t.Fatalf("header read with %q, but with %q it names %d parameters: %q", l.Delimiter, d, namesKnown(other), other)
				}
			}
		}
		for _, tl := range l.TitleLines {
			nonEmpty := 0
			for _, f := range lines[tl] {
				if f != "" {
					nonEmpty++
				}
			}
			if nonEmpty > 1 {
				t.Fatalf("line %d skipped as a title holds %d fields: %q", tl, nonEmpty, lines[tl])
			}
		}
		for _, j := range jobs {
			raw := j.Param("amount")
			rec := lines[j.Line]
			if !containsField(rec, raw) {
				t.Fatalf("job on line %d has amount %q, not a field of %q", j.Line, raw, rec)
			}
			a, err := ParseAmount(raw, j.Amount.Currency)
			if err != nil || a != j.Amount {
				t.Fatalf("amount %q %s read as %v; ParseAmount gives %v, %v", raw, j.Amount.Currency, j.Amount, a, err)
			}
		}
	})
}

// recordsByLine parses data (after a BOM and a sep= line) with encoding/csv
// alone, keyed by the line each record starts on.
func recordsByLine(t *testing.T, data []byte, d rune) map[int][]string {
	t.Helper()
	data = bytes.TrimPrefix(data, bom)
	offset := 0
	if line, ok := sepLine(data); ok {
		data, offset = data[len(line):], 1
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = d
	cr.FieldsPerRecord = -1
	out := map[int][]string{}
	for {
		rec, err := cr.Read()
		if err != nil {
			return out
		}
		line, _ := cr.FieldPos(0)
		out[line+offset] = rec
	}
}

func namesKnown(rec []string) int {
	n := 0
	for _, f := range rec {
		if _, _, ok := lookupHeader(f); ok || isCVVName(f) {
			n++
		}
	}
	return n
}

func containsField(rec []string, v string) bool {
	for _, f := range rec {
		if f == v {
			return true
		}
	}
	return false
}
