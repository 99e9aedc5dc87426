package sandbox_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/payrun/payrun/pkg/sandbox"
)

func TestFailNth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      sandbox.Fault
		code       int    // 0: connection dropped
		typ        string // answer type for 200
		committed  bool
		retryAfter string
	}{
		{sandbox.Fault5xxBefore, http.StatusInternalServerError, "", false, ""},
		{sandbox.Fault429, http.StatusTooManyRequests, "", false, "1"},
		{sandbox.FaultDropAfter, 0, "", true, ""},
		{sandbox.Fault5xxAfter, http.StatusBadGateway, "", true, ""},
		{sandbox.FaultErrorBefore, http.StatusOK, "error", false, ""},
		{sandbox.FaultErrorAfter, http.StatusOK, "error", true, ""},
	}
	for _, tc := range tests {
		t.Run(string(tc.fault), func(t *testing.T) {
			t.Parallel()
			h := start(t, nil)
			h.srv.FailNth(sandbox.CallPayout, 2, tc.fault)
			if a := h.payout("nth-1", "1234567890"); a.code != http.StatusOK || a.form["type"] != "async-response" {
				t.Fatalf("1st payout must pass: %d %q %v", a.code, a.body, a.err)
			}
			a := h.payout("nth-2", "1234567890")
			if tc.code == 0 {
				if a.err == nil {
					t.Fatalf("dropped connection expected, got %d %q", a.code, a.body)
				}
			} else if a.code != tc.code || a.form["type"] != tc.typ || a.header.Get("Retry-After") != tc.retryAfter {
				t.Fatalf("answer %d %q (Retry-After %q)", a.code, a.body, a.header.Get("Retry-After"))
			}
			if tc.fault == sandbox.FaultErrorAfter && a.form["paynet-order-id"] == "" {
				t.Errorf("error-after must carry the order id: %q", a.body)
			}
			if tc.fault == sandbox.FaultErrorBefore && a.form["paynet-order-id"] != "" {
				t.Errorf("error-before must not carry an order id: %q", a.body)
			}
			if got := h.srv.PayoutCount("nth-2") == 1; got != tc.committed {
				t.Errorf("committed = %v, want %v", got, tc.committed)
			}
			if a := h.payout("nth-3", "1234567890"); a.code != http.StatusOK {
				t.Errorf("3rd payout must pass: %d %q", a.code, a.body)
			}
			if n := h.srv.Stats().Faults[string(tc.fault)]; n != 1 {
				t.Errorf("fault counter %d, want 1", n)
			}
		})
	}
}

func TestFaultSharesAreSeeded(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) []int {
		h := start(t, func(o *sandbox.Options) {
			o.Faults = sandbox.Faults{Error5xxBefore: 0.2, Throttle: 0.2, Error5xxAfter: 0.2, Seed: seed}
		})
		var codes []int
		for i := range 40 {
			codes = append(codes, h.payout("share-"+strconv.Itoa(i), "1").code)
		}
		st := h.srv.Stats()
		n5, n429, n502, ok := 0, 0, 0, 0
		for _, c := range codes {
			switch c {
			case 500:
				n5++
			case 429:
				n429++
			case 502:
				n502++
			case 200:
				ok++
			}
		}
		if n5+n429+n502+ok != 40 || int64(n5) != st.Faults["5xx-before"] || int64(n429) != st.Faults["429"] || int64(n502) != st.Faults["5xx-after"] {
			t.Errorf("codes %v vs faults %v", codes, st.Faults)
		}
		if st.Orders != int64(ok+n502) {
			t.Errorf("orders %d, want %d (200s and 5xx-after)", st.Orders, ok+n502)
		}
		if n5 == 0 || n429 == 0 || n502 == 0 || ok == 0 {
			t.Errorf("every outcome should occur in 40 draws: %v", codes)
		}
		return codes
	}
	a, b := run(7), run(7)
	if !equal(a, b) {
		t.Fatalf("same seed, different faults: %v vs %v", a, b)
	}
	// The seed is used: another one gives another sequence (40 draws of 4 outcomes).
	if c := run(8); equal(a, c) {
		t.Fatalf("seeds 7 and 8 gave the same faults: %v", a)
	}
}

// Error5xxCodes mixes the HTTP statuses of 5xx faults before and after the commit: every code
// occurs, each answer is counted by kind and by code, only 5xx-after commits, and the seed
// replays the same codes.
func TestError5xxCodesMixed(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) []int {
		h := start(t, func(o *sandbox.Options) {
			o.Faults = sandbox.Faults{Error5xxBefore: 0.5, Error5xxAfter: 0.5, Error5xxCodes: []int{500, 502, 503}, Seed: seed}
		})
		var codes []int
		byCode := map[string]int64{}
		for i := range 60 {
			a := h.payout("mix-"+strconv.Itoa(i), "1")
			codes = append(codes, a.code)
			byCode[strconv.Itoa(a.code)]++
		}
		st := h.srv.Stats()
		for _, c := range []string{"500", "502", "503"} {
			if byCode[c] == 0 || st.ServerErrors[c] != byCode[c] {
				t.Errorf("HTTP %s: answered %d times, counted %d (codes %v)", c, byCode[c], st.ServerErrors[c], codes)
			}
		}
		if len(byCode) != 3 {
			t.Errorf("answers outside the configured codes: %v", byCode)
		}
		if b, a := st.Faults["5xx-before"], st.Faults["5xx-after"]; b+a != 60 || b == 0 || a == 0 || st.Orders != a {
			t.Errorf("faults %v, orders %d: want 60 faults of both kinds, one order per 5xx-after", st.Faults, st.Orders)
		}
		return codes
	}
	if a, b := run(3), run(3); !equal(a, b) {
		t.Errorf("same seed, different codes: %v vs %v", a, b)
	}
}

// Without Error5xxCodes the kinds keep their codes: 500 before the commit, 502 after; FailNth's
// 5xx faults draw from Error5xxCodes when they are set.
func TestError5xxCodesDefaultAndScheduled(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.srv.FailNth(sandbox.CallPayout, 1, sandbox.Fault5xxBefore)
	h.srv.FailNth(sandbox.CallPayout, 2, sandbox.Fault5xxAfter)
	if a, b := h.payout("def-1", "1").code, h.payout("def-2", "1").code; a != 500 || b != 502 {
		t.Errorf("default codes %d, %d; want 500, 502", a, b)
	}
	h = start(t, func(o *sandbox.Options) { o.Faults.Error5xxCodes = []int{503} })
	h.srv.FailNth(sandbox.CallStatus, 1, sandbox.Fault5xxAfter)
	if a := h.status("client_orderid", "x"); a.code != 503 {
		t.Errorf("scheduled 5xx-after with codes {503}: %d", a.code)
	}
	if st := h.srv.Stats(); st.ServerErrors["503"] != 1 {
		t.Errorf("server errors %v", st.ServerErrors)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := newFixedClock(0)
	h := start(t, func(o *sandbox.Options) {
		o.Clock = clock
		o.TimestampWindow = 1 << 62 // the fixed clock is far from the signer's timestamps
		o.Faults.RateLimit = 2
	})
	var codes []int
	for i := range 3 {
		codes = append(codes, h.payout("rl-"+strconv.Itoa(i), "1").code)
	}
	clock.unix.Store(1)
	codes = append(codes, h.payout("rl-3", "1").code)
	if want := []int{200, 200, 429, 200}; !equal(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
	if st := h.srv.Stats(); st.Faults["rate-limit"] != 1 || st.MaxPerSecond != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestParseFault(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"5xx-before", "429", "drop-after", "5xx-after", "error-before", "error-after"} {
		if f, err := sandbox.ParseFault(s); err != nil || string(f) != s {
			t.Errorf("ParseFault(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := sandbox.ParseFault("latency"); err == nil {
		t.Error("ParseFault accepted latency")
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
