package cli_test

import (
	"strings"
	"testing"

	"github.com/payrun/payrun/internal/cli"
)

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := cli.WriteJSON(&b, map[string]any{"reason": "a<b & c>d", "n": 1}); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"n\": 1,\n  \"reason\": \"a<b & c>d\"\n}\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
