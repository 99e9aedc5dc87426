package queue_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/queue"
)

func TestToken(t *testing.T) {
	t.Parallel()
	safe := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	tests := []struct {
		in   string
		kept bool
	}{
		{"batch-2026_11", true},
		{"ORD123", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"has space", false},
		{"a.b", false},
		{"a*b>", false},
		{"заказ-1", false},
		{"job:1", false},
	}
	for _, tt := range tests {
		got := queue.Token(tt.in)
		if !safe.MatchString(got) {
			t.Errorf("Token(%q) = %q: not a safe token", tt.in, got)
		}
		if (got == tt.in) != tt.kept {
			t.Errorf("Token(%q) = %q, kept=%v, want kept=%v", tt.in, got, got == tt.in, tt.kept)
		}
		if got != queue.Token(tt.in) {
			t.Errorf("Token(%q) not deterministic", tt.in)
		}
	}
	if queue.Token("a.b") == queue.Token("a b") {
		t.Error("different ids map to the same token")
	}
	// An id spelled like another id's hashed token must not share its key (ledger, reservation,
	// message id): it is hashed too.
	if h := queue.Token("x y"); queue.Token(h) == h {
		t.Errorf("the id %q maps to the same token as %q", h, "x y")
	}
	if upper := "h" + strings.Repeat("A", 52); queue.Token(upper) != upper {
		t.Errorf("Token(%q) hashed an id that cannot be a hashed token", upper)
	}
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{"", "abc", "a.b", strings.Repeat("x", 70), "\x00\xff"} {
		f.Add(s)
	}
	safe := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got := queue.Token(s)
		if !safe.MatchString(got) {
			t.Fatalf("Token(%q) = %q: not a safe token", s, got)
		}
		if queue.IsPlainToken(s) != (got == s) {
			t.Fatalf("IsPlainToken(%q) disagrees with Token", s)
		}
	})
}

func TestNames(t *testing.T) {
	t.Parallel()
	n := queue.DefaultNames()
	if err := n.Validate(); err != nil {
		t.Fatalf("default names invalid: %v", err)
	}
	tests := []struct{ got, want string }{
		{n.JobSubject("b1"), "payouts.jobs.b1"},
		{n.JobSubjects(), "payouts.jobs.>"},
		{n.JobMsgID("b1", "ORD-1"), "job:b1:ORD-1"},
		{n.ChunkSubject("b1", 7), "payouts.chunks.b1.7"},
		{n.ChunkSubjects("b1"), "payouts.chunks.b1.>"},
		{n.ResultSubject("b1"), "payouts.results.b1"},
		{n.ResultMsgID("b1", "ORD-1"), "result:b1:ORD-1"},
		{n.SummarySubject("b1"), "payouts.summary.b1"},
		{n.SummaryMsgID("b1"), "summary:b1"},
		{n.DeadSubject("b1"), "payouts.dead.b1"},
		{n.LedgerKey("b1", "ORD-1"), "b1.ORD-1"},
		{n.OrderKey("ORD-1"), "ORD-1"},
		{n.BatchKey("b1"), "b1"},
		{n.JobSubject("a.b"), "payouts.jobs." + queue.Token("a.b")},
		{n.LedgerKey("b1", "x y"), "b1." + queue.Token("x y")},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	bad := n
	bad.JobStream = "PAY.OUTS"
	bad.ResultSubjectPrefix = "payouts.>"
	if err := bad.Validate(); err == nil {
		t.Error("Validate accepted a stream name with '.' and a wildcard prefix")
	}
}

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	if err := queue.DefaultSettings().Validate(); err != nil {
		t.Fatalf("default settings invalid: %v", err)
	}
	s := queue.DefaultSettings()
	s.MaxDeliver = 1
	s.JobMaxBytes = 0
	err := s.Validate()
	if err == nil || !strings.Contains(err.Error(), "max deliver") || !strings.Contains(err.Error(), "job max bytes") {
		t.Errorf("Validate = %v, want errors naming max deliver and job max bytes", err)
	}
}
