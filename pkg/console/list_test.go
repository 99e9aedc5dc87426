package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/console"
	"github.com/payrun/payrun/pkg/queue"
)

// keysReadKV is a KeyValue that records the keys read with Get.
type keysReadKV struct {
	jetstream.KeyValue
	mu   sync.Mutex
	read []string
}

func (k *keysReadKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	k.mu.Lock()
	k.read = append(k.read, key)
	k.mu.Unlock()
	return k.KeyValue.Get(ctx, key)
}

func (k *keysReadKV) keys() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.read...)
}

// The batch list reads the manifests alone, not enqueue's chunk row records next to them in the
// batches bucket (one per chunk: they grow with every batch's size), and shows the newest
// ListPageSize batches per page with links to the older and newer ones.
func TestBatchListReadsOnlyManifestsAndPages(t *testing.T) {
	t.Parallel()
	kv := &keysReadKV{}
	e := newWrappedEnv(t, func(js jetstream.JetStream, h queue.Handles) (jetstream.JetStream, queue.Handles) {
		kv.KeyValue = h.Batches
		h.Batches = kv
		return js, h
	}, func(o *console.Options) { o.ListPageSize = 2 })
	for i := range 3 {
		id := fmt.Sprintf("page-%d", i)
		e.enqueueCLI(id, fmt.Sprintf("client_orderid,amount,currency,account_number\n%s-a,1.00,USD,1234567890\n%s-b,2.00,USD,1234567890\n", id, id))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.handles.Batches.Get(ctx, queue.DefaultNames().RowsKey("page-0", 0)); err != nil {
		t.Fatalf("no chunk row record to skip: %v", err)
	}
	v := e.login("viewer")
	pages := []struct {
		path        string
		want, unwnt []string
	}{
		{"/", []string{"page-2", "page-1", `href="/?page=2"`}, []string{"page-0", `href="/?page=1"`}},
		{"/?page=2", []string{"page-0", `href="/?page=1"`}, []string{"page-1", "page-2", `href="/?page=3"`}},
		{"/?page=3", []string{"Page 3"}, []string{"page-0", "page-1", "page-2"}},
	}
	for _, p := range pages {
		st, body := v.get(p.path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d: %s", p.path, st, body)
		}
		for _, w := range p.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", p.path, w)
			}
		}
		for _, w := range p.unwnt {
			if strings.Contains(body, w) {
				t.Errorf("%s has %q", p.path, w)
			}
		}
	}
	for _, k := range kv.keys() {
		if strings.Contains(k, ".") {
			t.Errorf("the list read %q, not a manifest", k)
		}
	}
	for _, bad := range []string{"0", "-1", "x"} {
		if st, _ := v.get("/?page=" + bad); st != http.StatusBadRequest {
			t.Errorf("page %q: %d, want 400", bad, st)
		}
	}
}
