package job

import "testing"

// Every reason built with a suggestion splits into the problem and the suggestion; others are
// the problem alone.
func TestValidationErrorSuggestion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ reason, problem, suggestion string }{
		{`unknown column "amout"` + didYouMean + `"amount"?`, `unknown column "amout"`, `"amount"`},
		{`"1,234.56" has a thousands separator` + didYouMean + "1234.56?", `"1,234.56" has a thousands separator`, "1234.56"},
		{"is required", "is required", ""},
		{"is it? no", "is it? no", ""},
	} {
		p, s := (&ValidationError{Reason: tc.reason}).Suggestion()
		if p != tc.problem || s != tc.suggestion {
			t.Errorf("%q: (%q, %q), want (%q, %q)", tc.reason, p, s, tc.problem, tc.suggestion)
		}
	}
}
