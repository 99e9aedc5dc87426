package submit

import "github.com/payrun/payrun/pkg/job"

// gatewayText is the gateway's error text as the client passes it on: masked (maskDigits) and
// bounded to job.MaxErrorText bytes.
func gatewayText(s string) string { return job.BoundErrorText(maskDigits(s)) }
