package payout

import (
	"errors"
	"fmt"
	"time"

	"github.com/payrun/payrun/pkg/job"
)

// ErrUndecodable marks a job message the machine cannot decode.
var ErrUndecodable = errors.New("payout: undecodable job message")

// jobView is what the machine needs from one job message.
type jobView struct {
	BatchID    string
	Job        job.Job
	EnqueuedAt time.Time // the stream's timestamp of the job message
}

func (v jobView) row() Row {
	return Row{BatchID: v.BatchID, ClientOrderID: v.Job.ClientOrderID, Line: v.Job.Line}
}

// params is the payout request's parameters.
func (v jobView) params() []Param {
	ps := v.Job.PayoutParams()
	out := make([]Param, len(ps))
	for i, p := range ps {
		out[i] = Param{Name: p.Name, Value: p.Value}
	}
	return out
}

// decodeJob decodes a job message (pkg/job's schema). The error never quotes the payload: it may
// hold card data.
func decodeJob(data []byte) (jobView, error) {
	m, err := job.DecodeJobMessage(data)
	if err != nil {
		return jobView{}, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	j, err := m.Job()
	if err != nil {
		return jobView{}, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	return jobView{BatchID: m.BatchID, Job: j}, nil
}
