package main

import (
	"context"
	"fmt"
	"os/exec"
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
