// Package jobtest makes payout batch files for tests and benchmarks of this module.
package jobtest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// WriteBatch writes a valid batch of n bank-account rows (client_orderids prefix-00000000 …,
// USD amounts) to dir/prefix.csv, streaming, and returns its path. A million rows take about
// 70 MB and no memory beyond a write buffer.
func WriteBatch(tb testing.TB, dir, prefix string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, prefix+".csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "client_orderid,amount,currency,account_number,first_name,last_name,country")
	for i := range n {
		fmt.Fprintf(w, "%s-%08d,%d.%02d,USD,40817810%012d,Anna,Ivanova,US\n", prefix, i, 1+i%5000, i%100, i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}
