package ratelimit_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// outageKV is the bucket as a member sees it while the bucket's stream elects a leader: no
// write is accepted (nats.go's "no response from stream") until down is cleared. Reads and the
// watch are the bucket's own (nobody can write, so the watch is silent).
type outageKV struct {
	jetstream.KeyValue
	down *atomic.Bool
}

func (k outageKV) Create(ctx context.Context, key string, value []byte, opts ...jetstream.KVCreateOpt) (uint64, error) {
	if k.down.Load() {
		return 0, jetstream.ErrNoStreamResponse
	}
	return k.KeyValue.Create(ctx, key, value, opts...)
}

func (k outageKV) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	if k.down.Load() {
		return 0, jetstream.ErrNoStreamResponse
	}
	return k.KeyValue.Update(ctx, key, value, rev)
}

func (k outageKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if k.down.Load() {
		return 0, jetstream.ErrNoStreamResponse
	}
	return k.KeyValue.Put(ctx, key, value)
}

func (k outageKV) Delete(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error {
	if k.down.Load() {
		return jetstream.ErrNoStreamResponse
	}
	return k.KeyValue.Delete(ctx, key, opts...)
}

// TestBucketOutageDeletesNoMember is issue 15's "losing the leader of the rate-limit bucket
// halts the whole pool until every member is re-admitted": while the bucket elects a leader no
// member can write, so every member fences itself and hears nothing from the others. That
// silence is no evidence of death; counted as such, the first member to write again deleted
// the others, who then had to rejoin with a new incarnation and wait to be re-admitted (seconds
// when their watches were slow to recover). After an outage longer than DeadAfter every member
// must keep its incarnation, and the pool-wide rate is never exceeded meanwhile.
func TestBucketOutageDeletesNoMember(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	kv, err := connect(t, srv).CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: ratelimit.DefaultBucket})
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	o := testOptions(30, 3)
	// Longer than testOptions: a member's heartbeat delayed by a loaded machine must not look
	// like the silence this test is about.
	o.Heartbeat, o.DeadAfter = 250*time.Millisecond, 1500*time.Millisecond
	ls := make([]*ratelimit.Limiter, 3)
	for i := range ls {
		js := connect(t, srv)
		bucket, err := js.KeyValue(ctx, ratelimit.DefaultBucket)
		if err != nil {
			t.Fatal(err)
		}
		oi := o
		oi.KV = outageKV{KeyValue: bucket, down: &down}
		ls[i] = newLimiter(t, js, oi)
	}
	testwait.Eventually(t, 5*time.Second, "3 members share 30/s", func() bool { return settled(ls, 3, 30) })
	incs := incarnations(t, kv, ls)

	stop := make(chan struct{})
	over := make(chan float64, 1)
	go func() { // the sum of the members' rates, sampled through the outage and the recovery
		for {
			select {
			case <-stop:
				return
			default:
			}
			sum := 0.0
			for _, l := range ls {
				sum += l.Stats().Rate
			}
			if sum > 30+1e-6 {
				select {
				case over <- sum:
				default:
				}
			}
		}
	}()
	down.Store(true)
	testwait.Eventually(t, 10*time.Second, "every member fenced", func() bool {
		for _, l := range ls {
			if l.Stats().Active {
				return false
			}
		}
		return true
	})
	time.Sleep(o.DeadAfter) // the outage lasts well past DeadAfter, as an election does
	down.Store(false)
	testwait.Eventually(t, 10*time.Second, "3 members share 30/s again", func() bool { return settled(ls, 3, 30) })
	close(stop)
	select {
	case sum := <-over:
		t.Errorf("rates summed to %.2f > 30 around the outage", sum)
	default:
	}
	for id, inc := range incarnations(t, kv, ls) {
		if inc != incs[id] {
			t.Errorf("member %s was counted dead and rejoined (incarnation %d, was %d)", id, inc, incs[id])
		}
	}
}

// incarnations reads each member's current incarnation from its record in the bucket.
func incarnations(t *testing.T, kv jetstream.KeyValue, ls []*ratelimit.Limiter) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, l := range ls {
		id := l.Stats().ID
		e, err := kv.Get(context.Background(), "members."+id)
		if err != nil {
			t.Fatalf("member %s: %v", id, err)
		}
		var rec struct {
			Inc int64 `json:"inc"`
		}
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			t.Fatal(err)
		}
		out[id] = rec.Inc
	}
	return out
}
