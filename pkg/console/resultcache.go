package console

import (
	"container/list"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/payrun/payrun/pkg/job"
)

// resultCacheBatches is how many batches' results the console remembers between polls, and
// resultCacheRows how many result rows across them: about 0.5 KiB each, so about 100 MiB.
const (
	resultCacheBatches = 16
	resultCacheRows    = 200_000
)

// batchResults is what the console has read of one batch's results: the newest generation per
// row, up to stream sequence seq of the results stream made at created. Its lock serialises the
// reads of the batch (viewers polling the same batch wait for one read instead of each reading).
type batchResults struct {
	lock chan struct{} // holds a token while a poll uses the entry
	id   string
	// rows is the newest generation per row, by client_orderid. It is never changed in place
	// (a merge makes a new slice), so the resultSet that shares it stays as it was.
	rows    []job.Result
	pending map[string]job.Result // read since the last merge, by client_orderid
	created time.Time             // the results stream's creation
	first   uint64                // sequence of the first message read
	seq     uint64                // sequence of the last message read
	read    uint64                // messages of the subject read (results of older generations too)
	set     *resultSet            // rows as of the last merge; nil after a change
	held    int                   // rows counted in the cache's total; guarded by the cache's mu
}

// acquire takes the entry's lock, or gives up with ctx's error; release gives it back.
func (b *batchResults) acquire(ctx context.Context) error {
	select {
	case b.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *batchResults) release() { <-b.lock }

// add takes one result message at stream sequence seq (ok: it decoded) into pending; merge puts
// it in rows.
func (b *batchResults) add(seq uint64, r job.Result, ok bool) {
	if b.read == 0 {
		b.first = seq
	}
	b.seq, b.read = seq, b.read+1
	if !ok || r.BatchID != b.id {
		return
	}
	if old, found := b.pending[r.ClientOrderID]; !found || newer(r, old) {
		b.pending[r.ClientOrderID] = r
	}
}

// newer reports whether r supersedes old, a result of the same row read before it: a higher
// generation (a row put back by a retry) does; of one generation the first read stays.
func newer(r, old job.Result) bool { return r.Generation > old.Generation }

func byOrderID(a, b job.Result) int { return strings.Compare(a.ClientOrderID, b.ClientOrderID) }

// merge puts the pending results into a new rows slice: O(rows + pending log pending).
func (b *batchResults) merge() {
	if len(b.pending) == 0 {
		return
	}
	add := make([]job.Result, 0, len(b.pending))
	for _, r := range b.pending {
		add = append(add, r)
	}
	slices.SortFunc(add, byOrderID)
	rows := make([]job.Result, 0, len(b.rows)+len(add))
	i, j := 0, 0
	for i < len(b.rows) && j < len(add) {
		switch c := byOrderID(b.rows[i], add[j]); {
		case c < 0:
			rows = append(rows, b.rows[i])
			i++
		case c > 0:
			rows = append(rows, add[j])
			j++
		default:
			r := b.rows[i]
			if newer(add[j], r) {
				r = add[j]
			}
			rows = append(rows, r)
			i, j = i+1, j+1
		}
	}
	b.rows = append(append(rows, b.rows[i:]...), add[j:]...)
	b.pending, b.set = map[string]job.Result{}, nil
}

// reset forgets everything read, for a read from the start of the stream made at created.
func (b *batchResults) reset(created time.Time) {
	b.rows, b.pending, b.set = nil, map[string]job.Result{}, nil
	b.created, b.first, b.seq, b.read = created, 0, 0, 0
}

// resultSet is one state of a batch's results, never changed once made: polls of the batch
// share it until a new result comes.
type resultSet struct {
	rows   []job.Result  // the newest generation per row, by client_orderid
	counts []statusCount // per status, in job.Statuses order
}

// current is the resultSet of the merged rows, made again only after a change.
func (b *batchResults) current() *resultSet {
	if b.set != nil {
		return b.set
	}
	set := &resultSet{rows: b.rows}
	counts := map[job.Status]*statusCount{}
	for _, r := range b.rows {
		c := counts[r.Status]
		if c == nil {
			c = &statusCount{Status: r.Status, Totals: job.Totals{}}
			counts[r.Status] = c
		}
		c.N++
		if a, err := job.ParseAmount(r.Amount, r.Currency); err == nil {
			_ = c.Totals.Add(a)
		}
	}
	for _, st := range job.Statuses {
		if c := counts[st]; c != nil {
			set.counts = append(set.counts, *c)
		}
	}
	b.set = set
	return set
}

// byID is the rows by client_orderid.
func (set *resultSet) byID() map[string]job.Result {
	out := make(map[string]job.Result, len(set.rows))
	for _, r := range set.rows {
		out[r.ClientOrderID] = r
	}
	return out
}

// resultCache holds the batchResults of the most recently polled batches: at most maxBatches
// batches and maxRows rows across them, the least recently used going first. A batch with more
// rows than maxRows is kept alone (its next poll reads only what is new) until another batch's
// rows need the room. Safe for concurrent use. Lock order: an entry's lock, then mu (fit); mu is
// never held while waiting for an entry's lock.
type resultCache struct {
	mu         sync.Mutex
	maxBatches int
	maxRows    int
	rows       int        // rows held: the sum of the entries' held
	lru        *list.List // of *batchResults, most recently used first
	byID       map[string]*list.Element
}

func newResultCache(maxBatches, maxRows int) *resultCache {
	return &resultCache{maxBatches: maxBatches, maxRows: maxRows, lru: list.New(), byID: map[string]*list.Element{}}
}

// get returns the batch's entry, a new empty one if it has none.
func (c *resultCache) get(id string) *batchResults {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[id]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*batchResults)
	}
	b := &batchResults{id: id, lock: make(chan struct{}, 1)}
	b.reset(time.Time{})
	c.byID[id] = c.lru.PushFront(b)
	for c.lru.Len() > c.maxBatches {
		c.drop(c.lru.Back())
	}
	return b
}

// fit counts b's rows, now rows, in the cache's total, and drops the least recently used other
// batches that hold rows until the total is within maxRows (or b is the only one left). The caller
// holds b's lock. An entry dropped meanwhile is not counted: its poll uses it and it is forgotten.
func (c *resultCache) fit(b *batchResults, rows int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byID[b.id]
	if !ok || el.Value != b {
		return
	}
	c.rows += rows - b.held
	b.held = rows
	for e := c.lru.Back(); e != nil && c.rows > c.maxRows; {
		prev := e.Prev()
		if e != el && e.Value.(*batchResults).held > 0 {
			c.drop(e)
		}
		e = prev
	}
}

// drop forgets the entry of el. The caller holds mu.
func (c *resultCache) drop(el *list.Element) {
	b := c.lru.Remove(el).(*batchResults)
	delete(c.byID, b.id)
	c.rows -= b.held
	b.held = 0
}
