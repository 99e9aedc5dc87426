// Package docregion keeps generated text in hand-written documents: a region between the
// markers <!-- name:begin --> and <!-- name:end --> is owned by a test that generates it from
// the code, so that the document fails CI when it drifts from the code.
//
// A test calls Check with what the region must hold; run with -update to rewrite the region.
package docregion

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

func markers(name string) (begin, end []byte) {
	return []byte("<!-- " + name + ":begin -->\n"), []byte("<!-- " + name + ":end -->")
}

// Replace returns doc with the region name's content replaced by content (a trailing newline is
// added when missing). It fails when the region's markers are missing or out of order.
func Replace(doc []byte, name, content string) ([]byte, error) {
	begin, end := markers(name)
	i := bytes.Index(doc, begin)
	if i < 0 {
		return nil, fmt.Errorf("docregion: no %q marker", bytes.TrimSpace(begin))
	}
	i += len(begin)
	j := bytes.Index(doc[i:], end)
	if j < 0 {
		return nil, fmt.Errorf("docregion: no %q marker after %q", end, bytes.TrimSpace(begin))
	}
	if content != "" && content[len(content)-1] != '\n' {
		content += "\n"
	}
	out := make([]byte, 0, len(doc)+len(content))
	out = append(out, doc[:i]...)
	out = append(out, content...)
	return append(out, doc[i+j:]...), nil
}

// Check fails t when region name of the file at path does not hold content; with update it
// rewrites the region instead. rerun says how to regenerate (the package and test), for the
// failure message.
func Check(t testing.TB, path, name, content string, update bool, rerun string) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Replace(doc, name, content)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if bytes.Equal(doc, want) {
		return
	}
	if update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: region %q is out of date with the code; regenerate it: %s -update", path, name, rerun)
}
