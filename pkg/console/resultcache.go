package console

import (
	"container/list"
	"sync"
	"time"

	"github.com/payrun/payrun/pkg/job"
)

// resultCacheBatches is how many batches' results the console remembers between polls.
const resultCacheBatches = 16

// batchResults is what the console has read of one batch's results: the newest generation per
// row, up to stream sequence seq of the results stream made at created. Its mutex serialises the
// reads of the batch (viewers polling the same batch wait for one read instead of each reading).
type batchResults struct {
	mu      sync.Mutex
	id      string
	rows    map[string]job.Result // by client_orderid
	created time.Time             // the results stream's creation
	first   uint64                // sequence of the first message read
	seq     uint64                // sequence of the last message read
	read    uint64                // messages of the subject read (results of older generations too)
}

// add takes one result message at stream sequence seq (ok: it decoded): the newest generation of
// a row wins.
func (b *batchResults) add(seq uint64, r job.Result, ok bool) {
	if b.read == 0 {
		b.first = seq
	}
	b.seq, b.read = seq, b.read+1
	if !ok || r.BatchID != b.id {
		return
	}
	if old, found := b.rows[r.ClientOrderID]; !found || r.Generation > old.Generation {
		b.rows[r.ClientOrderID] = r
	}
}

// reset forgets everything read, for a read from the start of the stream made at created.
func (b *batchResults) reset(created time.Time) {
	b.rows, b.created, b.first, b.seq, b.read = map[string]job.Result{}, created, 0, 0, 0
}

// snapshot is a copy of rows the caller may keep.
func (b *batchResults) snapshot() map[string]job.Result {
	out := make(map[string]job.Result, len(b.rows))
	for k, r := range b.rows {
		out[k] = r
	}
	return out
}

// resultCache holds the batchResults of the most recently polled batches (at most max; the least
// recently used goes first). Safe for concurrent use.
type resultCache struct {
	mu   sync.Mutex
	max  int
	lru  *list.List // of *batchResults, most recently used first
	byID map[string]*list.Element
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, lru: list.New(), byID: map[string]*list.Element{}}
}

// get returns the batch's entry, a new empty one if it has none.
func (c *resultCache) get(id string) *batchResults {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[id]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*batchResults)
	}
	b := &batchResults{id: id}
	b.reset(time.Time{})
	c.byID[id] = c.lru.PushFront(b)
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*batchResults)
		delete(c.byID, old.id)
	}
	return b
}
