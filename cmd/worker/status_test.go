package main

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// `worker status` against a three-node cluster with two nodes stopped prints what it could read
// (the replicas, with the stopped nodes offline; the pool and the batches as not read) and exits
// 3 with stderr naming the parts not read. (The JSON form: TestStatusWithoutMajority in
// pkg/poolstatus.)
func TestStatusWithoutMajorityExits3(t *testing.T) {
	t.Parallel()
	cl := queuetest.StartCluster(t, queuetest.ClusterOptions{})
	_, js := queuetest.ConnectURL(t, cl.Nodes[0].ClientURL)
	queuetest.Provision(t, js)
	names := queue.DefaultNames()
	queuetest.WaitCurrent(t, js, 20*time.Second, names.JobStream)
	left := cl.StopAllButLeader(t, js, names.JobStream, 10*time.Second)

	var out, errOut bytes.Buffer
	cmd := exec.Command(workerBinary(t), "status")
	cmd.Env = processEnv([]string{"PAYRUN_NATS_URL=" + left.ClientURL})
	cmd.Stdout, cmd.Stderr = &out, &errOut
	code := 0
	var exit *exec.ExitError
	if err := cmd.Run(); errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	text, stderr := out.String(), errOut.String()
	if code != 3 || !strings.Contains(stderr, "not read: pool (") || !strings.Contains(stderr, "batches (") {
		t.Errorf("exit code %d, want 3; stderr naming pool and batches:\n%s", code, stderr)
	}
	for _, want := range []string{"pool:      not read: ", "batches:   not read: ", "replicas:  cluster payrun-test: ", " offline"} {
		if !strings.Contains(text, want) {
			t.Errorf("text without %q:\n%s", want, text)
		}
	}
}
