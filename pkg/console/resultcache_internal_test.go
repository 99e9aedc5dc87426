package console

import (
	"fmt"
	"testing"
)

// The cache keeps the most recently used batches: getting one more drops the least recently
// used, not one just polled.
func TestResultCacheDropsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c := newResultCache(2)
	a, b := c.get("a"), c.get("b")
	if c.get("a") != a {
		t.Fatal("a second get of a made a new entry")
	}
	c.get("c") // drops b, the least recently used
	if c.get("a") != a {
		t.Error("a was dropped though used more recently than b")
	}
	if c.get("b") == b {
		t.Error("b was kept: the cache holds more than 2 batches")
	}
	if n := c.lru.Len(); n != 2 || len(c.byID) != 2 {
		t.Errorf("cache holds %d entries (%d ids), want 2", n, len(c.byID))
	}
	for i := range 10 {
		c.get(fmt.Sprint(i))
	}
	if c.lru.Len() != 2 || len(c.byID) != 2 {
		t.Errorf("cache holds %d entries, want 2", c.lru.Len())
	}
}
