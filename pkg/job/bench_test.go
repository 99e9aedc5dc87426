package job

import (
	"encoding/csv"
	"errors"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
)

// rowGen is an io.Reader that generates a valid batch of n rows on the fly,
// so the input itself takes no memory: header, then rows of mixed currencies
// and destinations with receiver details (about 150 bytes a row).
type rowGen struct {
	n, i int
	buf  []byte
}

const genHeader = "client_orderid,amount,currency,account_number,credit_card_number,card_printed_name,expire_month,expire_year,first_name,last_name,country,email,order_desc\n"

func (g *rowGen) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i <= g.n {
		if g.i == 0 {
			g.buf = append(g.buf, genHeader...)
			g.i++
			continue
		}
		b := g.buf
		b = append(b, "pay-"...)
		b = strconv.AppendInt(b, int64(g.i), 10)
		switch g.i % 3 {
		case 0:
			b = append(b, ",1250.50,USD,1234567890,,,,,"...)
		case 1:
			b = append(b, ",150000,JPY,,4111111111111111,ANN LEE,12,2030,"...)
		default:
			b = append(b, ",12.125,KWD,0987654321,,,,,"...)
		}
		b = append(b, "Ann,Lee,DE,ann.lee@example.com,payroll November\n"...)
		g.buf = b
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = append(g.buf[:0], g.buf[n:]...)
	return n, nil
}

func drain(tb testing.TB, r *Reader) int {
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		n++
	}
}

// BenchmarkReader measures validation speed: one op is one row. The
// baseline sub-benchmark reads the same generated rows with encoding/csv
// alone (no mapping, no validation), in the same run.
func BenchmarkReader(b *testing.B) {
	b.Run("baseline=encoding-csv", func(b *testing.B) {
		b.ReportAllocs()
		cr := csv.NewReader(&rowGen{n: b.N})
		cr.ReuseRecord = true
		start := time.Now()
		n := -1
		for {
			if _, err := cr.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	})
	b.Run("job.Reader", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		n := drain(b, NewReader(&rowGen{n: b.N}, "gen.csv"))
		if n != b.N {
			b.Fatalf("%d jobs of %d rows", n, b.N)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	})
}

// BenchmarkReaderMemory reads 10k and 1M generated rows and reports, above
// the heap before the Reader was made:
//   - peak-live-MiB: the largest live heap the GC marked while reading
//     (/gc/heap/live:bytes), what the Reader really holds;
//   - peak-heap-MiB: the largest heap including garbage not yet collected
//     (/memory/classes/heap/objects:bytes), which GOGC lets grow to about
//     twice the live heap.
//
// Both are sampled every 1024 rows. Run with -benchtime=1x.
func BenchmarkReaderMemory(b *testing.B) {
	for _, rows := range []int{10_000, 1_000_000} {
		b.Run("rows="+strconv.Itoa(rows), func(b *testing.B) {
			sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
			var peakLive, peakHeap uint64
			for range b.N {
				runtime.GC()
				metrics.Read(sample)
				baseLive, baseHeap := sample[0].Value.Uint64(), sample[1].Value.Uint64()
				r := NewReader(&rowGen{n: rows}, "gen.csv")
				n := 0
				for {
					_, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%1024 == 0 {
						metrics.Read(sample)
						peakLive = max(peakLive, sample[0].Value.Uint64()-min(baseLive, sample[0].Value.Uint64()))
						peakHeap = max(peakHeap, sample[1].Value.Uint64()-min(baseHeap, sample[1].Value.Uint64()))
					}
				}
				if n != rows {
					b.Fatalf("%d jobs of %d rows", n, rows)
				}
				runtime.KeepAlive(r)
			}
			b.ReportMetric(float64(peakLive)/(1<<20), "peak-live-MiB")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
		})
	}
}
