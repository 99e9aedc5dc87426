package batch

import (
	"encoding/json"
	"fmt"

	"github.com/payrun/payrun/pkg/job"
)

// encodeJob builds the stream payload of one job: its sensitive parameters sealed when a Sealer
// is configured, then JSON. The payload's size (what the stream's message size limit applies to)
// is the size of this, sealed, form.
func (e *Enqueuer) encodeJob(batchID string, j job.Job) ([]byte, error) {
	m := job.NewJobMessage(batchID, j)
	if e.opts.Seal != nil {
		var err error
		if m, err = m.Seal(e.opts.Seal); err != nil {
			return nil, fmt.Errorf("batch: encode job line %d: %w", j.Line, err)
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("batch: encode job line %d: %w", j.Line, err)
	}
	return data, nil
}
