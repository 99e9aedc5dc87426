package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// The process tests run the real worker binary, built once per test binary (without -race, to
// keep them fast; the race detector still covers this test process: the embedded NATS server,
// the sandbox and the enqueue side all run here).

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if build.dir != "" {
			_ = os.RemoveAll(build.dir)
		}
		os.Exit(code)
	}))
}

// workerBinary returns the path of the worker binary, building it on first use.
func workerBinary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "payrun-worker-bin-*"); build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "worker")
		out, err := exec.Command("go", "build", "-o", build.bin, ".").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}
