package stack

import (
	"testing"

	"go.uber.org/goleak"
)

// The stack starts goroutines (embedded server, sandbox, NATS, limiter, pool): none may outlive
// a test's Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
