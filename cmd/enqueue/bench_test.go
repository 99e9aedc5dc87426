package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/job/jobtest"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// BenchmarkBinary runs the real enqueue binary on 10k and 1M rows against an embedded server
// (sync_interval: always) started by the benchmark, and reports the process's peak RSS
// (maxrss_MiB, from rusage) and its end-to-end rows/s (validation + publish + process start).
//
//	go test -run '^$' -bench BenchmarkBinary -benchtime 1x ./cmd/enqueue
func BenchmarkBinary(b *testing.B) {
	for _, rows := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			srv, _, _ := queuetest.Start(b)
			dir := b.TempDir()
			var maxRSS int64
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				path := jobtest.WriteBatch(b, dir, fmt.Sprintf("m%d", i), rows)
				b.StartTimer()
				start := time.Now()
				cmd := exec.CommandContext(context.Background(), binary, "--batch", fmt.Sprintf("mem-%d-%d", rows, i), path)
				cmd.Env = append(cleanEnv(), "PAYRUN_NATS_URL="+srv.ClientURL())
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("enqueue: %v\n%s", err, out)
				}
				total += time.Since(start)
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					maxRSS = max(maxRSS, ru.Maxrss) // KiB on Linux
				}
			}
			b.ReportMetric(float64(maxRSS)/1024, "maxrss_MiB")
			b.ReportMetric(float64(rows*b.N)/total.Seconds(), "rows/s")
		})
	}
}

// BenchmarkBinaryQuotedField runs the enqueue binary on a file whose second row opens a quoted
// field that runs 100 MB over short lines (issue 16: 328 MB RSS before the record bound), and,
// as the baseline of the same run, on a valid 10-row file; both are copied to the private spool
// and validated (no NATS is needed: validation refuses the first). It reports the peak RSS of
// each and their ratio; docs/enqueue.md has the numbers.
//
//	go test -run '^$' -bench BenchmarkBinaryQuotedField -benchtime 1x ./cmd/enqueue
func BenchmarkBinaryQuotedField(b *testing.B) {
	dir := b.TempDir()
	big := filepath.Join(dir, "quoted.csv")
	f, err := os.Create(big)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("client_orderid,amount,currency,account_number,merchant_data\no1,1.00,USD,1234567890,\"")
	for range 50 << 20 {
		w.WriteString("x\n")
	}
	w.WriteString("\"\n")
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		b.Fatal(err)
	}
	small := jobtest.WriteBatch(b, dir, "small", 10)
	rss := func(path string, args ...string) int64 {
		cmd := exec.Command(binary, append(args, path)...)
		cmd.Env = append(cleanEnv(), "PAYRUN_NATS_URL=nats://127.0.0.1:1", "TMPDIR="+b.TempDir())
		_ = cmd.Run() // the quoted file is refused (exit 3); the valid one cannot connect (exit 1)
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			b.Skip("no rusage")
		}
		return ru.Maxrss // KiB on Linux
	}
	var peak, base int64
	for i := 0; i < b.N; i++ {
		peak = max(peak, rss(big))
		base = max(base, rss(small))
	}
	b.ReportMetric(float64(peak)/1024, "maxrss_MiB")
	b.ReportMetric(float64(base)/1024, "baseline_maxrss_MiB")
	b.ReportMetric(float64(peak)/float64(base), "ratio")
}
