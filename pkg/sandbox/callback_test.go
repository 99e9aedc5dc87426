package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/payrun/payrun/internal/testwait"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
)

// callbackSink records callbacks; the first failFirst calls answer 500.
type callbackSink struct {
	mu        sync.Mutex
	got       []url.Values
	calls     int
	failFirst int
}

func (c *callbackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if r.Method != http.MethodGet || c.calls <= c.failFirst {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	c.got = append(c.got, r.URL.Query())
}

func (c *callbackSink) received() []url.Values {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]url.Values(nil), c.got...)
}

func TestCallbacks(t *testing.T) {
	t.Parallel()
	const key = "test-merchant-control"
	sink := &callbackSink{failFirst: 1}
	cb := httptest.NewServer(sink)
	defer cb.Close()
	h := start(t, func(o *sandbox.Options) {
		o.ControlKey = key
		o.ProcessingPolls = 1
		o.CallbackRetryWait = time.Millisecond
	})
	id := h.payout("cb-1", "0987654321", "server_callback_url", cb.URL+"/hook?x=1").form["paynet-order-id"]
	if s := h.status("client_orderid", "cb-1").form["status"]; s != "processing" {
		t.Fatalf("first poll %q", s)
	}
	if n := len(sink.received()); n != 0 {
		t.Fatalf("callback before final: %d", n)
	}
	h.status("client_orderid", "cb-1") // becomes final: declined
	testwait.Eventually(t, 5*time.Second, "callback", func() bool { return len(sink.received()) == 1 })
	q := sink.received()[0]
	if q.Get("status") != "declined" || q.Get("orderid") != id || q.Get("merchant_order") != "cb-1" ||
		q.Get("client_orderid") != "cb-1" || q.Get("x") != "1" || q.Get("error_code") != "DECLINED" || q.Get("amount") != "10.42" {
		t.Errorf("callback query %v", q)
	}
	if !signer.CheckCallbackControl("declined", id, "cb-1", key, q.Get("control")) {
		t.Errorf("control %q does not verify", q.Get("control"))
	}
	testwait.Eventually(t, 5*time.Second, "callback counter", func() bool { return h.srv.Stats().CallbacksSent == 1 })
	h.status("client_orderid", "cb-1")
	if st := h.srv.Stats(); st.CallbacksSent != 1 || st.CallbacksFailed != 0 {
		t.Errorf("stats: sent %d failed %d (one callback per order)", st.CallbacksSent, st.CallbacksFailed)
	}
}

func TestCallbackGivesUp(t *testing.T) {
	t.Parallel()
	sink := &callbackSink{failFirst: 100}
	cb := httptest.NewServer(sink)
	defer cb.Close()
	h := start(t, func(o *sandbox.Options) {
		o.ControlKey = "k"
		o.CallbackAttempts = 2
		o.CallbackRetryWait = time.Millisecond
	})
	h.payout("cb-2", "1234567890", "server_callback_url", cb.URL)
	testwait.Eventually(t, 5*time.Second, "failed callback", func() bool { return h.srv.Stats().CallbacksFailed == 1 })
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.calls != 2 {
		t.Errorf("callback attempts %d, want 2", sink.calls)
	}
}

func TestNoCallbackWithoutControlKey(t *testing.T) {
	t.Parallel()
	sink := &callbackSink{}
	cb := httptest.NewServer(sink)
	defer cb.Close()
	h := start(t, nil)
	h.payout("cb-3", "1234567890", "server_callback_url", cb.URL)
	h.srv.Close() // waits for callbacks in flight: none may have been started
	if n := len(sink.received()); n != 0 {
		t.Errorf("callbacks without control key: %d", n)
	}
}

// TestCloseCancelsStalledCallback: a callback target that never answers must not hold Close
// (nor a goroutine after it) for the callback client's timeout.
func TestCloseCancelsStalledCallback(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer cb.Close()
	defer close(release)
	h := start(t, func(o *sandbox.Options) {
		o.ControlKey = "k"
		o.CallbackClient = &http.Client{Timeout: time.Hour}
	})
	h.payout("cb-stall", "1234567890", "server_callback_url", cb.URL)
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the callback never arrived")
	}
	closed := make(chan error, 1)
	go func() { closed <- h.srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a stalled callback")
	}
	if st := h.srv.Stats(); st.CallbacksSent != 0 || st.CallbacksFailed != 1 {
		t.Errorf("stats: sent %d failed %d; want the cancelled callback counted as failed", st.CallbacksSent, st.CallbacksFailed)
	}
}
