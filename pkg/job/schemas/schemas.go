// Package schemas holds the JSON Schema (draft 2020-12) of every message payrun publishes,
// generated from the pkg/job types (go test ./pkg/job -run TestSchemasUpToDate -update
// rewrites them; the test fails when a type changed and the files did not):
//
//	job-message.schema.json       payouts.jobs.<batch> (version 1, and 2 with sealed values)
//	result.v1.schema.json         payouts.results.<batch>
//	batch-summary.v1.schema.json  payouts.summary.<batch>
//	dead-letter.v1.schema.json    payouts.dead.<batch>
//
// Consumers in other languages can use the files directly; docs/consumers.md says how the
// schemas evolve.
package schemas

import (
	"embed"
	"io/fs"
)

//go:embed *.schema.json
var files embed.FS

// FS returns the schema files, named as listed above.
func FS() fs.FS { return files }

// Names of the schema files, one per published message.
const (
	JobMessage   = "job-message.schema.json"
	Result       = "result.v1.schema.json"
	BatchSummary = "batch-summary.v1.schema.json"
	DeadLetter   = "dead-letter.v1.schema.json"
)
