package console

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

// resultsConsumerIdle is when the server removes a results reader that was not deleted (the
// console stopped mid-read).
const resultsConsumerIdle = 30 * time.Second

// liveView is the part of a batch page that updates while the pool pays: counts per status and
// each row's result as it arrives.
type liveView struct {
	ID       string
	State    batch.State
	Expected int
	Results  int
	Counts   []statusCount
	Rows     []job.Result // by client_orderid; shared, read only
	Done     bool         // every row has a final result (the manifest says completed)
}

type statusCount struct {
	Status job.Status
	N      int
	Totals job.Totals
}

// results is every result of the batch stored so far, the newest generation per row (a row put
// back by a retry supersedes its written-off result). It reads only what was stored since the
// batch's last read (kept in Server.cache): nothing when the batch's subject holds no new message.
// When the results stream was made again or lost results read before (purged, aged out), it reads
// the subject again from the start.
func (s *Server) results(ctx context.Context, id string) (*resultSet, error) {
	b := s.cache.get(id)
	if err := b.acquire(ctx); err != nil {
		return nil, fmt.Errorf("console: results of %s: %w", id, err)
	}
	defer b.release()
	defer func() { s.cache.fit(b, len(b.rows)) }() // before the release: b's rows are read under its lock
	subj := s.opts.Names.ResultSubject(id)
	info, err := s.handles.Results.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		return nil, fmt.Errorf("console: results of %s: %w", id, err)
	}
	st, stored := info.State, info.State.Subjects[subj]
	if !info.Created.Equal(b.created) || st.LastSeq < b.seq || b.read > 0 && st.FirstSeq > b.first || stored < b.read {
		b.reset(info.Created)
	}
	for attempt := 0; b.read < stored && attempt < 2; attempt++ {
		err := s.readResults(ctx, b, subj, st.LastSeq, stored)
		b.merge() // what was read is kept, also when the read broke off
		if err != nil {
			return nil, err
		}
		if b.read > stored { // results read before are gone and others came: read all again
			b.reset(info.Created)
		}
	}
	return b.current(), nil
}

// readResults reads the result messages of subject subj after b.seq up to the stream sequence
// last into b; the subject holds stored messages up to last.
func (s *Server) readResults(ctx context.Context, b *batchResults, subj string, last, stored uint64) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}, DeliverPolicy: jetstream.DeliverAllPolicy,
		InactiveThreshold: resultsConsumerIdle}
	if b.seq > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, b.seq+1
	}
	// One ephemeral consumer per read, deleted after it (a page polls every second: consumers
	// left to expire would pile up on the server).
	cons, err := s.js.OrderedConsumer(ctx, s.opts.Names.ResultStream, cfg)
	if err != nil {
		return fmt.Errorf("console: results of %s: %w", b.id, err)
	}
	defer func() {
		if info := cons.CachedInfo(); info != nil {
			_ = s.js.DeleteConsumer(context.WithoutCancel(ctx), s.opts.Names.ResultStream, info.Name)
		}
	}()
	for done := false; !done; {
		want := 1 // stored are read, yet more up to last remain: some read before are gone
		if stored > b.read {
			want = int(stored - b.read)
		}
		msgs, err := cons.Fetch(want, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return fmt.Errorf("console: results of %s: %w", b.id, err)
		}
		n := 0
		for m := range msgs.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil || done || meta.Sequence.Stream > last {
				done = true // stored after the stream's state was read: the next poll's
				continue
			}
			r, err := job.DecodeResult(m.Data())
			b.add(meta.Sequence.Stream, r, err == nil)
			done = meta.Sequence.Stream == last || meta.NumPending == 0
		}
		if err := msgs.Error(); err != nil {
			return fmt.Errorf("console: results of %s: %w", b.id, err)
		}
		done = done || n == 0 // expired meanwhile
	}
	return nil
}

// live reads the batch's manifest and results.
func (s *Server) live(ctx context.Context, id string) (liveView, error) {
	v := liveView{ID: id}
	m, _, err := batch.ReadManifest(ctx, s.handles.Batches, id)
	if err != nil {
		return v, err
	}
	res, err := s.results(ctx, id)
	if err != nil {
		return v, err
	}
	v.State, v.Expected, v.Done = m.State, m.Enqueued, m.State == batch.StateCompleted
	v.Results, v.Rows, v.Counts = len(res.rows), res.rows, res.counts
	return v, nil
}

// batchLive is the live part alone, fetched by the page's script every second until done.
func (s *Server) batchLive(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ctx, cancel := s.opContext(r)
	defer cancel()
	v, err := s.live(ctx, id)
	if err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	s.renderFragment(w, "live", v)
}
