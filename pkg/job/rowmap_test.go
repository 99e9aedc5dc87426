package job

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestReaderMapsExactValues: gocsv gets each accepted record's own bytes, so
// every value arrives exactly as written (quoting, line breaks, a "\r\n"
// kept inside merchant_data) and on its own line, whatever rows were
// skipped or refused between the jobs.
func TestReaderMapsExactValues(t *testing.T) {
	t.Parallel()
	const h = "client_orderid,amount,currency,account_number,order_desc,merchant_data\n"
	type job struct {
		line     int
		id, desc string
		merchant string
	}
	tests := []struct {
		name  string
		in    string
		want  []job
		nErrs int
	}{
		{"quoting", h + "o1,1,USD,123456,\"a, \"\"b\"\"\",\"x\ty\"\n",
			[]job{{line: 2, id: "o1", desc: `a, "b"`, merchant: "x\ty"}}, 0},
		{"line breaks in values", h + "o1,1,USD,123456,d1,\"l1\nl2\r\r\nl3\"\r\no2,1,USD,123456,d2,m2\r\n",
			[]job{{line: 2, id: "o1", desc: "d1", merchant: "l1\nl2\r\nl3"}, {line: 5, id: "o2", desc: "d2", merchant: "m2"}}, 0},
		{"skipped and refused rows between", h + "o1,1,USD,123456,d1,m1\n\n,,,,,\no9,1,USD\no8,1,USD,1\"2,x,y\no2,1,USD,123456,d2,m2\n",
			[]job{{line: 2, id: "o1", desc: "d1", merchant: "m1"}, {line: 7, id: "o2", desc: "d2", merchant: "m2"}}, 2},
		{"last line without newline", h + "o1,1,USD,123456,d1,m1\no2,1,USD,123456,d2,\"m\n2\"",
			[]job{{line: 2, id: "o1", desc: "d1", merchant: "m1"}, {line: 3, id: "o2", desc: "d2", merchant: "m\n2"}}, 0},
		{"excel semicolon, sep line, title, crlf", "\ufeffsep=;\r\nPayroll;;;;;\r\nClient OrderID;Amount;Currency;Account Number;Order Desc;Merchant Data\r\no1;1.5;EUR;123456;d;\"x;y\"\r",
			[]job{{line: 4, id: "o1", desc: "d", merchant: "x;y"}}, 0},
		{"columns in another order, unnamed trailing", "merchant_data,order_desc,account_number,currency,amount,client_orderid,,\nm,d,123456,USD,1,o1,,\n",
			[]job{{line: 2, id: "o1", desc: "d", merchant: "m"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jobs, errs, err := readAll(t, tt.in)
			if err != nil || len(errs) != tt.nErrs {
				t.Fatalf("errors %v (want %d), err %v", errs, tt.nErrs, err)
			}
			var got []job
			for _, j := range jobs {
				got = append(got, job{line: j.Line, id: j.ClientOrderID, desc: j.Param("order_desc"), merchant: j.Param("merchant_data")})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("jobs\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestRowMapper maps records given as input byte ranges, fills only the
// parameters the header names, and refuses a range that is not exactly one
// record instead of mapping its rest as the next row.
func TestRowMapper(t *testing.T) {
	t.Parallel()
	rp := &replay{}
	m, err := newRowMapper(rp, []column{{spec: idxAmount}, {spec: -1}, {spec: idxOrderID}}, ';')
	if err != nil {
		t.Fatal(err)
	}
	in := "1;x;a\n\"2\n\";y;b\n3;z;c\n4;w;d\n"
	_, _ = rp.Write([]byte(in))
	at := func(s string) int64 { return int64(strings.Index(in, s)) }
	for _, tt := range []struct {
		from, to   int64
		amount, id string
	}{
		{0, at("\"2"), "1", "a"},
		{at("\"2"), at("3;"), "2\n", "b"},
	} {
		row, err := m.row(tt.from, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		if got := [3]string{row.Field(idxAmount).String(), row.Field(idxOrderID).String(), row.Field(idxCurrency).String()}; got != [3]string{tt.amount, tt.id, ""} {
			t.Fatalf("row %q", got)
		}
	}
	if _, err := m.row(at("3;"), int64(len(in))); !errors.Is(err, errReplay) {
		t.Fatalf("two records as one: err %v, want errReplay", err)
	}
}

// TestReplayHoldsNoMoreThanARecord: the bytes kept for gocsv do not grow
// with the file.
func TestReplayHoldsNoMoreThanARecord(t *testing.T) {
	t.Parallel()
	r := NewReader(&rowGen{n: 5_000}, "gen.csv", WithClock(testToday))
	if n := drain(t, r); n != 5_000 {
		t.Fatalf("%d jobs", n)
	}
	if c := cap(r.replay.buf); c > 64<<10 {
		t.Fatalf("replay buffer grew to %d bytes for a 750 KB file", c)
	}
}
