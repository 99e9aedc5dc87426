package job

import (
	"strconv"
	"testing"
)

// TestIDSet adds enough ids to grow every table several times, then checks
// each id is found with its first line and new ids are not.
func TestIDSet(t *testing.T) {
	t.Parallel()
	s := newIDSet()
	const n = 50_000
	for i := range n {
		if _, dup := s.add("id-"+strconv.Itoa(i), uint32(i+2)); dup {
			t.Fatalf("id-%d reported as duplicate on first add", i)
		}
	}
	for i := range n {
		first, dup := s.add("id-"+strconv.Itoa(i), 1)
		if !dup || first != uint32(i+2) {
			t.Fatalf("id-%d: dup %v first %d, want line %d", i, dup, first, i+2)
		}
	}
	total := 0
	for i := range s.tabs {
		tab := &s.tabs[i]
		total += tab.n
		if 4*tab.n > 3*len(tab.keys) {
			t.Fatalf("table %d over its load factor: %d in %d", i, tab.n, len(tab.keys))
		}
	}
	if total != n {
		t.Fatalf("%d ids stored, want %d", total, n)
	}
}
