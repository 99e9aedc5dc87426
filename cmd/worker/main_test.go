package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// The process tests run real binaries built once per test binary (without -race, to keep them
// fast; the race detector still covers this test process: the embedded NATS server, the
// sandbox and the enqueue side all run here): the worker, the worker with the crash test's
// unsafe hook (build tag payrun_unsafe_testhook), and internal/testnats.

var builds struct {
	mu   sync.Mutex
	dir  string
	bins map[string]string // "pkg tags" → path
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if builds.dir != "" {
			_ = os.RemoveAll(builds.dir)
		}
		os.Exit(code)
	}))
}

// workerBinary returns the path of the worker binary, building it on first use.
func workerBinary(t testing.TB) string { return testBinary(t, ".") }

// testBinary returns the path of the binary built from pkg (relative to this package's
// directory) with the given build tags, building it on first use.
func testBinary(t testing.TB, pkg string, tags ...string) string {
	t.Helper()
	builds.mu.Lock()
	defer builds.mu.Unlock()
	key := pkg + " " + strings.Join(tags, ",")
	if bin, ok := builds.bins[key]; ok {
		return bin
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "payrun-worker-bin-*")
		if err != nil {
			t.Fatal(err)
		}
		builds.dir, builds.bins = dir, map[string]string{}
	}
	bin := filepath.Join(builds.dir, fmt.Sprintf("bin%d", len(builds.bins)))
	args := []string{"build", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	if out, err := exec.Command("go", append(args, pkg)...).CombinedOutput(); err != nil {
		t.Fatalf("go build %s (tags %v): %v\n%s", pkg, tags, err, out)
	}
	builds.bins[key] = bin
	return bin
}
