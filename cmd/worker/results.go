package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// batchOutcome is what the results stream holds for one batch.
type batchOutcome struct {
	Results []job.Result      // first result per client_orderid, in stream order
	Summary *job.BatchSummary // nil until the workers publish it
}

// collectOutcome reads a batch's results and summary from the start of the results stream until
// rows results and the summary are in, or ctx ends (then it returns what it saw with the error).
func collectOutcome(ctx context.Context, js jetstream.JetStream, names queue.Names, batchID string, rows int) (batchOutcome, error) {
	var out batchOutcome
	resultSubj, summarySubj := names.ResultSubject(batchID), names.SummarySubject(batchID)
	cons, err := js.OrderedConsumer(ctx, names.ResultStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{resultSubj, summarySubj},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return out, fmt.Errorf("results: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return out, fmt.Errorf("results: %w", err)
	}
	stopped := make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	go func() { // Next blocks; stopping the iterator is how ctx ends it
		defer close(stopped)
		<-ctx.Done()
		it.Stop()
	}()
	defer func() { cancel(); <-stopped }()
	seen := map[string]bool{}
	for len(out.Results) < rows || out.Summary == nil {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return out, fmt.Errorf("results: %d of %d rows have a result, summary published: %t: %w",
					len(out.Results), rows, out.Summary != nil, context.Cause(ctx))
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return out, fmt.Errorf("results: %w", err)
			}
			continue // a heartbeat or reconnect hiccup; the ordered consumer recovers
		}
		if msg.Subject() == summarySubj {
			s, err := job.DecodeBatchSummary(msg.Data())
			if err != nil {
				return out, fmt.Errorf("results: batch summary: %w", err)
			}
			out.Summary = &s
			continue
		}
		r, err := job.DecodeResult(msg.Data())
		if err != nil {
			return out, fmt.Errorf("results: %w", err)
		}
		if !seen[r.ClientOrderID] {
			seen[r.ClientOrderID] = true
			out.Results = append(out.Results, r)
		}
	}
	return out, nil
}
