package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/signer"
)

// callback sends, in the background, the final-status callback of o: a GET to its
// server_callback_url with status, orderid, merchant_order, client_orderid, type, amount,
// currency, error_code, error_message and control (SHA-1 with the control key). A non-200
// answer is retried CallbackAttempts times, CallbackRetryWait apart. Nothing is sent without a
// control key or callback URL, or after Close.
func (s *Server) callback(o order) {
	if s.opts.ControlKey == "" || o.callbackURL == "" {
		return
	}
	status := o.current()
	code, message := statusError(status)
	q := url.Values{}
	q.Set("type", "payout")
	q.Set("status", status)
	q.Set("orderid", o.id)
	q.Set("merchant_order", o.clientOrderID)
	q.Set("client_orderid", o.clientOrderID)
	q.Set("amount", o.amount)
	q.Set("currency", o.currency)
	if code != "" {
		q.Set("error_code", code)
		q.Set("error_message", message)
	}
	q.Set("control", signer.CallbackControl(status, o.id, o.clientOrderID, s.opts.ControlKey))
	sep := "?"
	if strings.Contains(o.callbackURL, "?") {
		sep = "&"
	}
	target := o.callbackURL + sep + q.Encode()

	s.cbMu.Lock()
	defer s.cbMu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for i := range s.opts.CallbackAttempts {
			if i > 0 {
				t := time.NewTimer(s.opts.CallbackRetryWait)
				select {
				case <-s.ctx.Done():
					t.Stop()
					s.stats.add(func(st *Stats) { st.CallbacksFailed++ })
					return
				case <-t.C:
				}
			}
			if s.sendCallback(target) {
				s.stats.add(func(st *Stats) { st.CallbacksSent++ })
				return
			}
		}
		s.stats.add(func(st *Stats) { st.CallbacksFailed++ })
	}()
}

// sendCallback makes one callback request; true when it was answered 200.
func (s *Server) sendCallback(target string) bool {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, target, nil)
	if err != nil {
		return false
	}
	res, err := s.opts.CallbackClient.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}
