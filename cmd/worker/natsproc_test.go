package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// natsProcess is a JetStream server in a process of its own (internal/testnats: sync_interval
// always), so that a test can SIGKILL it; its port and store directory survive restarts.
type natsProcess struct {
	t        *testing.T
	bin      string
	storeDir string
	url      string // nats://127.0.0.1:PORT, fixed by the first start
	p        *proc
	starts   int
}

// startNATSProcess starts the server on a free port with a fresh store directory.
func startNATSProcess(t *testing.T) *natsProcess {
	t.Helper()
	n := &natsProcess{t: t, bin: testBinary(t, "./internal/testnats"), storeDir: filepath.Join(t.TempDir(), "jetstream")}
	n.start()
	return n
}

// start runs the server (on the first start's port) and waits until it accepts clients. A
// server that exits at once (its port briefly taken by another socket after a SIGKILL) is
// started again, up to 10 times within 30 seconds.
func (n *natsProcess) start() {
	n.t.Helper()
	args := []string{"--store-dir", n.storeDir}
	if n.url != "" {
		args = append(args, "--port", n.url[strings.LastIndex(n.url, ":")+1:])
	}
	deadline := time.Now().Add(30 * time.Second)
	var line string
	for attempt := 1; ; attempt++ {
		n.starts++
		n.p = startBinary(n.t, n.bin, fmt.Sprintf("nats-%d", n.starts), args, nil)
		var ok bool
		if line, ok = n.p.pollLog("testnats: ready ", deadline); ok {
			break
		}
		n.p.dumpLog(5)
		if attempt == 10 || time.Now().After(deadline) || n.p.running() {
			n.t.Fatalf("NATS (%v) not ready after %d attempts", args, attempt)
		}
	}
	url := strings.TrimSpace(line[strings.Index(line, "ready ")+len("ready "):])
	if n.url != "" && url != n.url {
		n.t.Fatalf("NATS restarted on %s, want %s", url, n.url)
	}
	n.url = url
}

// stop ends the server: SIGKILL (a crash: whatever is not on disk is lost) or SIGTERM (a
// clean shutdown), and waits for the process to be gone.
func (n *natsProcess) stop(kill bool) {
	n.t.Helper()
	if kill {
		n.p.kill()
		return
	}
	n.p.signal(syscall.SIGTERM)
	if code, ok := n.p.wait(30 * time.Second); !ok || code != 0 {
		n.t.Fatalf("NATS after SIGTERM: exited %t, code %d", ok, code)
	}
}
