package submit

import "github.com/payrun/payrun/pkg/job"

// maskDigits masks what may be a card or account number echoed in a gateway error message,
// with pkg/job's rule for free text (runs of 8 or more digits keep their last 4).
func maskDigits(s string) string { return job.MaskDigitRuns(s) }
