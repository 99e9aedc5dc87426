package main

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/payrun/payrun/internal/docregion"
)

var update = flag.Bool("update", false, "rewrite the generated regions of docs/*.md")

// TestExitCodesAreDocumented keeps docs/enqueue.md's exit code table generated from exitCodes,
// the list --help prints: the codes are stated in one place.
func TestExitCodesAreDocumented(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("| code | meaning |\n|---|---|\n")
	for i, c := range exitCodes {
		if c.code != i {
			t.Errorf("exitCodes[%d] is code %d: keep them in order, one each", i, c.code)
		}
		fmt.Fprintf(&b, "| %d | %s |\n", c.code, c.long)
	}
	docregion.Check(t, "../../docs/enqueue.md", "exitcodes", b.String(), *update,
		"go test ./cmd/enqueue -run TestExitCodesAreDocumented")
}
