package batch

import (
	"encoding/json"
	"fmt"

	"github.com/payrun/payrun/pkg/job"
)

// encodeJob builds the stream payload of one job: its sensitive parameters sealed when a Sealer
// is configured, then JSON. The payload's size (what the stream's message size limit applies to)
// is the size of this, sealed, form. digest is the row's job.ContentDigest, taken in clear.
func (e *Enqueuer) encodeJob(batchID string, j job.Job) (data []byte, digest string, err error) {
	m := job.NewMessage(batchID, j)
	digest = job.ContentDigest(batchID, j)
	if e.opts.Seal != nil {
		if m, err = m.Seal(e.opts.Seal); err != nil {
			return nil, "", fmt.Errorf("batch: encode job line %d: %w", j.Line, err)
		}
	}
	if data, err = json.Marshal(m); err != nil {
		return nil, "", fmt.Errorf("batch: encode job line %d: %w", j.Line, err)
	}
	return data, digest, nil
}
