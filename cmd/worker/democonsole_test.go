package main

import (
	"errors"
	"strings"
	"testing"
)

// --console belongs to --demo and listens on loopback only (the demo password is printed).
func TestDemoConsoleFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--demo", "--console", "127.0.0.1:8080"}, true},
		{[]string{"--demo", "--console", "localhost:0"}, true},
		{[]string{"--demo", "--console", "[::1]:8080"}, true},
		{[]string{"--console", "127.0.0.1:8080"}, false},
		{[]string{"--demo", "--console", "0.0.0.0:8080"}, false},
		{[]string{"--demo", "--console", "10.1.2.3:8080"}, false},
		{[]string{"--demo", "--console", "8080"}, false},
	} {
		f, err := parseWorkerFlags(tc.args, &strings.Builder{})
		if tc.ok && (err != nil || f.console == "") {
			t.Errorf("%v: %v", tc.args, err)
		}
		if !tc.ok && (!errors.Is(err, errUsage) || exitCode(err) != 2) {
			t.Errorf("%v: %v, want a usage error", tc.args, err)
		}
	}
}
