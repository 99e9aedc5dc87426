package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// JobLimit is the largest job message, in bytes as the server counts them (payload and headers),
// that the jobs stream stores, and who sets it: Source completes "the job would be N bytes;
// <Source> <Bytes>" in a refused row's error, e.g. "the stream allows". Bytes 0 checks nothing.
type JobLimit struct {
	Bytes  int
	Source string
	// Seal is the sealer the jobs are published with (Options.Seal), nil for none: a job is
	// measured as it is stored, sealed (a sealed value is about 1.4 times longer plus 30 bytes).
	Seal job.Sealer
}

// JobLimit returns the real limit of the stream Enqueue publishes to: the smaller of the jobs
// stream's max_msg_size and the server's max_payload.
func (e *Enqueuer) JobLimit(ctx context.Context) (JobLimit, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	info, err := e.jobs.Info(ctx)
	if err != nil {
		return JobLimit{}, fmt.Errorf("batch: jobs stream limit: %w", unavailable(err))
	}
	l := JobLimit{Bytes: int(e.js.Conn().MaxPayload()), Source: "the NATS server's max_payload allows", Seal: e.opts.Seal}
	if m := int(info.Config.MaxMsgSize); m > 0 && (l.Bytes <= 0 || m <= l.Bytes) {
		l = JobLimit{Bytes: m, Source: "the stream allows", Seal: e.opts.Seal}
	}
	return l, nil
}

// derivedIDLength is the length of a batch id derived from the content ("b-" + 20 hex digits).
const derivedIDLength = 22

// sizeLimit checks each row's job message of batch batchID against l ("" batchID: a derived id,
// whose length is known before its value).
func (l JobLimit) sizeLimit(batchID string) job.SizeLimit {
	if batchID == "" {
		batchID = "b-" + strings.Repeat("0", derivedIDLength-2)
	}
	return job.SizeLimit{Max: l.Bytes, Allows: l.Source, Size: func(j job.Job) int { return jobSize(batchID, j, l.Seal) }}
}

// jobSize is the size the server counts for j's job message as publishChunk stores it (sealed
// with s when s is not nil), with the batch sequence number of the largest chunk (an upper bound
// by at most 3 bytes; see queue.AtomicMsgSize).
func jobSize(batchID string, j job.Job, s job.Sealer) int {
	m := job.NewMessage(batchID, j)
	if s != nil {
		if l, ok := s.(sealedLener); ok {
			s = lengthSealer{l} // the same length without the cipher
		}
		var err error
		if m, err = m.Seal(s); err != nil {
			return 1<<31 - 1 // cannot be sealed, cannot be stored
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return 1<<31 - 1 // cannot be encoded, cannot be stored
	}
	hdr := nats.Header{}
	hdr.Set(jetstream.MsgIDHeader, queue.DefaultNames().JobMsgID(batchID, j.ClientOrderID))
	return queue.AtomicMsgSize(len(data), hdr, queue.MaxAtomicBatch, false)
}

// sealedLener tells the length of a sealed value (pkg/seal's Keyring).
type sealedLener interface{ SealedLen(plaintextLen int) int }

// lengthSealer "seals" to a value of the sealed length made of JSON-plain bytes, as the sealed
// form is, so a job can be measured without encrypting it.
type lengthSealer struct{ l sealedLener }

func (s lengthSealer) Seal(p, _ []byte) (string, error) {
	return strings.Repeat("x", s.l.SealedLen(len(p))), nil
}
