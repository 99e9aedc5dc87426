package console

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/payrun/payrun/pkg/job"
)

// held is the ids of the batches the cache holds, most recently used first, and its count of
// their rows, checked against the entries' rows.
func (c *resultCache) held(t *testing.T) ([]string, int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	sum := 0
	for e := c.lru.Front(); e != nil; e = e.Next() {
		b := e.Value.(*batchResults)
		ids = append(ids, b.id)
		sum += len(b.rows)
	}
	if sum != c.rows {
		t.Errorf("cache counts %d rows, its entries hold %d", c.rows, sum)
	}
	return ids, c.rows
}

// fill is a poll of batch id that reads n results more, as Server.results does.
func (c *resultCache) fill(t *testing.T, id string, n int) {
	t.Helper()
	b := c.get(id)
	if err := b.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b.release()
	for i := range n {
		b.add(b.seq+1, job.Result{BatchID: id, ClientOrderID: fmt.Sprintf("%s-%d", id, len(b.rows)+i)}, true)
	}
	b.merge()
	c.fit(b, len(b.rows))
}

// The cache holds at most its budget of rows across batches: a batch's poll that brings it over
// drops the least recently used other batches; a batch larger than the whole budget is kept
// alone, and dropped when another batch's rows need the room.
func TestResultCacheKeepsRowBudget(t *testing.T) {
	t.Parallel()
	const budget = 10
	c := newResultCache(16, budget)
	steps := []struct {
		name    string
		id      string
		n       int
		want    []string // held, most recently used first
		wantSum int
	}{
		{"a within budget", "a", 4, []string{"a"}, 4},
		{"b within budget", "b", 4, []string{"b", "a"}, 8},
		{"c drops a, the least recently used", "c", 4, []string{"c", "b"}, 8},
		{"b polled again, nothing new", "b", 0, []string{"b", "c"}, 8},
		{"d drops c, not b polled after it", "d", 4, []string{"d", "b"}, 8},
		{"b grows: d goes", "b", 4, []string{"b"}, 8},
		{"big, over the budget alone: kept alone", "big", budget + 5, []string{"big"}, budget + 5},
		{"big polled again with more", "big", 3, []string{"big"}, budget + 8},
		{"e needs room: big goes", "e", 1, []string{"e"}, 1},
		{"f fits", "f", 4, []string{"f", "e"}, 5},
		{"g fits", "g", 5, []string{"g", "f", "e"}, 10},
	}
	for _, st := range steps {
		c.fill(t, st.id, st.n)
		ids, sum := c.held(t)
		if !slices.Equal(ids, st.want) || sum != st.wantSum {
			t.Errorf("%s: holds %v (%d rows), want %v (%d rows)", st.name, ids, sum, st.want, st.wantSum)
		}
	}
}

// An entry dropped while its poll reads is used by that poll and not counted: the cache's count
// stays the rows of the entries it holds.
func TestResultCacheDroppedEntryNotCounted(t *testing.T) {
	t.Parallel()
	c := newResultCache(1, 10)
	a := c.get("a")
	c.fill(t, "b", 3) // drops a, by batch count
	a.add(1, job.Result{BatchID: "a", ClientOrderID: "a-0"}, true)
	a.merge()
	c.fit(a, len(a.rows))
	if ids, sum := c.held(t); !slices.Equal(ids, []string{"b"}) || sum != 3 {
		t.Errorf("holds %v (%d rows), want [b] (3 rows)", ids, sum)
	}
}

// A batch with more results than the cache's budget is served whole on every poll, including
// what is stored between polls, and kept: the next poll reads only what is new.
func TestLivePollBatchLargerThanBudget(t *testing.T) {
	t.Parallel()
	s, st := newResultsServer(t)
	s.cache = newResultCache(resultCacheBatches, 5)
	st.batch("small", 3, 3)
	st.batch("big", 20, 8)
	ctx := context.Background()
	for poll, want := range []int{8, 8, 9} {
		if want == 9 {
			st.publish("big", 8)
		}
		v, err := s.live(ctx, "big")
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Rows) != want || v.Results != want {
			t.Errorf("poll %d: %d rows (%d results), want %d", poll, len(v.Rows), v.Results, want)
		}
		if ids, sum := s.cache.held(t); !slices.Equal(ids, []string{"big"}) || sum != want {
			t.Errorf("poll %d: cache holds %v (%d rows), want only big (%d rows)", poll, ids, sum, want)
		}
	}
	if v, err := s.live(ctx, "small"); err != nil || len(v.Rows) != 3 {
		t.Fatalf("small: %d rows, %v; want 3", len(v.Rows), err)
	}
	if ids, sum := s.cache.held(t); !slices.Equal(ids, []string{"small"}) || sum != 3 {
		t.Errorf("after small: cache holds %v (%d rows), want only small (3 rows)", ids, sum)
	}
}

// Concurrent polls of several batches whose rows together exceed the budget each get their
// batch's every result, and the cache ends within its budget.
func TestLivePollConcurrentBatchesWithinBudget(t *testing.T) {
	t.Parallel()
	const batches, rows, budget = 4, 6, 10
	s, st := newResultsServer(t)
	s.cache = newResultCache(resultCacheBatches, budget)
	for i := range batches {
		st.batch(fmt.Sprint("cb-", i), rows, rows)
	}
	var wg sync.WaitGroup
	for i := range 2 * batches {
		id := fmt.Sprint("cb-", i%batches)
		wg.Go(func() {
			for range 5 {
				v, err := s.live(context.Background(), id)
				if err != nil {
					t.Error(err)
					return
				}
				if len(v.Rows) != rows {
					t.Errorf("%s: %d rows, want %d", id, len(v.Rows), rows)
				}
			}
		})
	}
	wg.Wait()
	if _, sum := s.cache.held(t); sum > budget {
		t.Errorf("cache holds %d rows, budget %d", sum, budget)
	}
}
