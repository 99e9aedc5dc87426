package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/sandbox"
)

var crashSeed = flag.Uint64("crash.seed", 1, "seed of the crash test's kill schedule and the sandbox's faults")

// TestCrashKillsAndNATSRestart is issue 5's crash test: 500 rows through 3 worker processes
// against the sandbox with faults (5xx before commit, answers dropped and 5xx after commit),
// workers SIGKILLed at random (seeded) moments and restarted, the NATS server restarted once
// mid-batch. Every row must end with exactly one result whose status is the scenario's, the
// sandbox must count exactly one payout per row, and one batch summary must be published.
func TestCrashKillsAndNATSRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("process crash test (about a minute)")
	}
	seed := *crashSeed
	t.Logf("seed %d (-crash.seed)", seed)
	e := newTestEnv(t, envOptions{
		sandbox: sandbox.Options{ProcessingPolls: 1, Faults: sandbox.Faults{
			Error5xxBefore: 0.02, DropAfter: 0.03, Error5xxAfter: 0.02, Seed: seed,
		}},
		environ: []string{"PAYRUN_CONCURRENCY=8", "PAYRUN_LOG_LEVEL=warn"},
	})
	const rows = 500
	csv, want := batchCSV("crash", rows)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	workers := make([]*proc, 3)
	starts := 0
	start := func(i int) {
		starts++
		workers[i] = e.startWorker(fmt.Sprintf("w%d-%d", i, starts))
	}
	for i := range workers {
		start(i)
	}
	e.enqueue("crash", csv)

	resultSubj := e.cfg.QueueNames().ResultSubject("crash")
	kills, unexpected, natsRestarted := 0, 0, false
	nextKill := time.Now().Add(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
	e.waitResults("crash", rows, 3*time.Minute, func() {
		done := e.subjectCount(resultSubj)
		for i, w := range workers {
			if !w.running() { // a worker must not die on its own; restart it and report it below
				unexpected++
				t.Logf("%s exited on its own with code %d", w.name, w.state.ExitCode())
				w.dumpLog(10)
				start(i)
			}
		}
		if !natsRestarted && done >= rows*2/5 {
			t.Logf("restarting NATS at %d results", done)
			queuetest.Restart(t, e.nats)
			natsRestarted = true
		}
		if done < rows*9/10 && time.Now().After(nextKill) {
			i := rng.IntN(len(workers))
			workers[i].kill()
			kills++
			start(i)
			nextKill = time.Now().Add(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		}
	})
	for _, w := range workers {
		w.signal(syscall.SIGTERM)
	}
	for _, w := range workers {
		if code, ok := w.wait(e.cfg.Worker.ShutdownTimeout + 10*time.Second); !ok || code != 0 {
			t.Errorf("%s after SIGTERM: exited %t, code %d", w.name, ok, code)
		}
	}
	e.checkBatch("crash", want)

	st := e.sb.Stats()
	t.Logf("kills %d, NATS restarted %t, unexpected exits %d; sandbox: %d requests, %d orders, faults %v",
		kills, natsRestarted, unexpected, st.Requests, st.Orders, st.Faults)
	if kills < 3 || !natsRestarted {
		t.Errorf("the batch finished before the crashes it should survive: %d kills, NATS restarted %t", kills, natsRestarted)
	}
	for _, f := range []sandbox.Fault{sandbox.Fault5xxBefore, sandbox.FaultDropAfter, sandbox.Fault5xxAfter} {
		if st.Faults[string(f)] == 0 {
			t.Errorf("no %s fault was injected", f)
		}
	}
	if unexpected > 0 {
		t.Errorf("%d worker processes exited on their own", unexpected)
	}
}
