package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/job"
)

// The cache keeps the most recently used batches: getting one more drops the least recently
// used, not one just polled.
func TestResultCacheDropsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c := newResultCache(2, resultCacheRows)
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

// Results read in one poll merge into the rows of the earlier ones by client_orderid: a new row
// is inserted in order, a higher generation replaces the row's result, a lower or equal one (a
// duplicate, or an older generation stored late) does not; a resultSet handed out before stays
// as it was.
func TestBatchResultsMerge(t *testing.T) {
	t.Parallel()
	res := func(id string, gen int, status job.Status) job.Result {
		return job.Result{BatchID: "b", ClientOrderID: id, Generation: gen, Status: status, Amount: "1.00", Currency: "USD"}
	}
	b := newResultCache(1, resultCacheRows).get("b")
	seq := uint64(0)
	read := func(rs ...job.Result) *resultSet {
		for _, r := range rs {
			seq++
			b.add(seq, r, true)
		}
		b.merge()
		return b.current()
	}
	before := read(res("c", 0, job.StatusError), res("a", 1, job.StatusApproved), res("c", 1, job.StatusApproved), res("a", 0, job.StatusDeclined))
	b.add(seq+1, job.Result{}, false) // undecodable: counted, not kept
	other := res("x", 0, job.StatusApproved)
	other.BatchID = "other" // on this batch's subject, of another batch: counted, not kept
	b.add(seq+2, other, true)
	seq += 2
	after := read(res("b", 0, job.StatusApproved), res("c", 0, job.StatusDeclined), res("a", 2, job.StatusFiltered), res("d", 0, job.StatusError))
	got := func(set *resultSet) string {
		var s []string
		for _, r := range set.rows {
			s = append(s, fmt.Sprintf("%s%d:%s", r.ClientOrderID, r.Generation, r.Status))
		}
		return strings.Join(s, " ")
	}
	if g, w := got(before), "a1:approved c1:approved"; g != w {
		t.Errorf("first read: %s, want %s", g, w)
	}
	if g, w := got(after), "a2:filtered b0:approved c1:approved d0:error"; g != w {
		t.Errorf("second read: %s, want %s", g, w)
	}
	if b.read != 10 || b.seq != 10 || b.first != 1 {
		t.Errorf("read %d messages up to %d from %d, want 10 up to 10 from 1", b.read, b.seq, b.first)
	}
	if n := len(after.counts); n != 3 {
		t.Errorf("%d statuses counted, want 3: %+v", n, after.counts)
	}
}

// A poll waiting for another poll's read of the same batch gives up when its request ends.
func TestBatchResultsLockHonoursContext(t *testing.T) {
	t.Parallel()
	b := newResultCache(1, resultCacheRows).get("b")
	if err := b.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire of a held entry with an ended request: %v, want context.Canceled", err)
	}
	b.release()
	if err := b.acquire(context.Background()); err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
}
