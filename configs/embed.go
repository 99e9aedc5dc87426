// Package configs holds the documented example configuration and example batches; the example
// payroll batch is embedded so that `worker -demo` runs on a machine with nothing but the binary.
package configs

import _ "embed"

// ExamplePayroll is batches/example-payroll.csv: ten rows in five currencies whose account
// numbers follow the sandbox scenario (1234567890 approved, 0987654321 declined, 1987654321
// error; the card row gets the sandbox's default, approved).
//
//go:embed batches/example-payroll.csv
var ExamplePayroll []byte
