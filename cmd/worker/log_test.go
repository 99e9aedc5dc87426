package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/logging/logtest"
)

// durationKey matches field names that hold a duration; their names must carry the unit.
var durationKey = regexp.MustCompile(`duration|delay|timeout|wait|retry_in|retry_after`)

// Every log line of a demo run at debug level is one JSON object with unique keys (the gateway
// lines had "component" twice), a millisecond UTC timestamp, "batch" on every line about a row
// and units in duration field names; the per-request gateway lines are at debug.
func TestLogLinesAreUniqueJSON(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(workerBinary(t), "-demo")
	cmd.Env = processEnv([]string{"TMPDIR=" + t.TempDir(), "PAYRUN_LOG_LEVEL=debug"})
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("worker -demo: %v\n%s", err, stderr.String())
	}
	lines, err := logtest.CheckLines(stderr.String())
	if err != nil {
		t.Fatal(err)
	}
	gateway := 0
	for _, f := range lines {
		for k, v := range f {
			if _, isNumber := v.(json.Number); isNumber && durationKey.MatchString(k) && !strings.HasSuffix(k, "_ms") && !strings.HasSuffix(k, "_seconds") {
				t.Errorf("duration field %q without a unit: %v", k, f)
			}
		}
		if f["message"] == "gateway request" {
			gateway++
			if f["level"] != "debug" && f["class"] == "ok" {
				t.Errorf("a successful gateway request logged at %v", f["level"])
			}
			if f["component"] != "submit" {
				t.Errorf("gateway line component %v", f["component"])
			}
		}
	}
	if gateway == 0 || len(lines) < 20 {
		t.Fatalf("%d lines, %d gateway requests: the debug run logged too little to check\n%s", len(lines), gateway, stderr.String())
	}
}
