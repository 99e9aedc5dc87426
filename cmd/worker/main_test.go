package main

import (
	"os"
	"testing"

	"github.com/payrun/payrun/internal/testbin"
	"go.uber.org/goleak"
)

// The process tests run real binaries built once per test binary (without -race, to keep them
// fast; the race detector still covers this test process: the embedded NATS server, the
// sandbox and the enqueue side all run here): the worker, the worker with the crash test's
// unsafe hook (build tag payrun_unsafe_testhook), and internal/testnats.

var builds testbin.Set

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		builds.Cleanup()
		os.Exit(code)
	}))
}

// workerBinary returns the path of the worker binary, building it on first use.
func workerBinary(t testing.TB) string { return testBinary(t, ".") }

// testBinary returns the path of the binary built from pkg (relative to this package's
// directory) with the given build tags, building it on first use.
func testBinary(t testing.TB, pkg string, tags ...string) string {
	t.Helper()
	return builds.Build(t, pkg, tags...)
}
