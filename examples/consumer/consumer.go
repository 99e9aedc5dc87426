package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// Options are the consumer's settings (the flags).
type Options struct {
	NATSURL string
	Durable string        // durable consumer name: one per downstream service
	Batch   string        // only this batch; "" = every batch
	Out     string        // record file (see record)
	AckWait time.Duration // redelivery after a crash between record and ack; 0 = 30s
}

// Consumer reads the results stream through its durable pull consumer.
type Consumer struct {
	nc     *nats.Conn
	cons   jetstream.Consumer
	rec    *record
	names  queue.Names
	stdout io.Writer
	stderr io.Writer
	// beforeAck runs after a message is recorded and printed, before it is acknowledged (tests
	// return an error to simulate a crash in that window).
	beforeAck func(key string) error
}

// consumerConfig is the durable consumer a downstream service needs: every message from the
// first one (a late starter misses nothing), explicit acks (a message is redelivered until the
// service says it is handled), results + summaries + dead letters only.
func consumerConfig(o Options, names queue.Names) jetstream.ConsumerConfig {
	subjects := []string{names.ResultSubjectPrefix + ".>", names.SummarySubjectPrefix + ".>", names.DeadSubjectPrefix + ".>"}
	if o.Batch != "" {
		subjects = []string{names.ResultSubject(o.Batch), names.SummarySubject(o.Batch), names.DeadSubject(o.Batch)}
	}
	return jetstream.ConsumerConfig{
		Durable:        o.Durable,
		Description:    "payrun results for a downstream service (examples/consumer)",
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        cmp.Or(o.AckWait, 30*time.Second),
		MaxAckPending:  1000,
		FilterSubjects: subjects,
	}
}

// Open connects (retrying until NATS answers or ctx ends), creates or updates the durable
// consumer, and opens the record file.
func Open(ctx context.Context, o Options, stdout, stderr io.Writer) (*Consumer, error) {
	c := &Consumer{names: queue.DefaultNames(), stdout: stdout, stderr: stderr}
	var err error
	if c.rec, err = openRecord(o.Out); err != nil {
		return nil, err
	}
	c.nc, err = nats.Connect(o.NATSURL, nats.Name("payrun-example-consumer"), nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true), nats.ReconnectWait(time.Second))
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("connect %s: %w", o.NATSURL, err)
	}
	js, err := jetstream.New(c.nc)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	for {
		c.cons, err = js.CreateOrUpdateConsumer(ctx, c.names.ResultStream, consumerConfig(o, c.names))
		if err == nil {
			break
		}
		fmt.Fprintf(stderr, "consumer: waiting for stream %s at %s: %v\n", c.names.ResultStream, o.NATSURL, err)
		select {
		case <-ctx.Done():
			c.Close()
			return nil, fmt.Errorf("consumer %s: %w", o.Durable, err)
		case <-time.After(time.Second):
		}
	}
	return c, nil
}

// Close closes the connection and the record file.
func (c *Consumer) Close() {
	if c.nc != nil {
		c.nc.Close()
	}
	_ = c.rec.close()
}

// Run handles messages until ctx ends (nil) or handling fails.
func (c *Consumer) Run(ctx context.Context) error {
	it, err := c.cons.Messages(jetstream.PullHeartbeat(5 * time.Second))
	if err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { // Next blocks: stopping the iterator is how ctx ends it
		defer close(stopped)
		<-ctx.Done()
		it.Stop()
	}()
	defer func() { cancel(); <-stopped }()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			continue // heartbeat missed or reconnecting: the iterator recovers
		}
		if err := c.handle(ctx, msg); err != nil {
			return err
		}
	}
}

// handle decodes one message, skips it if its key was recorded already, else records, prints
// and acknowledges it. A message this build cannot decode (a newer schema version) is left for a
// newer consumer: negatively acknowledged with a delay, never dropped.
func (c *Consumer) handle(ctx context.Context, msg jetstream.Msg) error {
	key, line, err := c.describe(msg)
	if err != nil {
		var seq uint64
		if md, merr := msg.Metadata(); merr == nil {
			seq = md.Sequence.Stream
		}
		fmt.Fprintf(c.stderr, "consumer: %s seq %d left unacknowledged: %v\n", msg.Subject(), seq, err)
		return msg.NakWithDelay(time.Minute)
	}
	if c.rec.seen[key] {
		fmt.Fprintf(c.stderr, "consumer: %s already handled, acknowledged again\n", key)
		return c.ack(ctx, msg)
	}
	var seq uint64
	if md, err := msg.Metadata(); err == nil {
		seq = md.Sequence.Stream
	}
	if err := c.rec.add(entry{Key: key, Subject: msg.Subject(), StreamSeq: seq, Message: msg.Data()}); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, line)
	if c.beforeAck != nil {
		if err := c.beforeAck(key); err != nil {
			return err
		}
	}
	return c.ack(ctx, msg)
}

// ack waits for the server to confirm the ack, so that a confirmed message is never redelivered.
func (c *Consumer) ack(ctx context.Context, msg jetstream.Msg) error {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil && ctx.Err() == nil {
		// Not confirmed: it comes again and is then skipped by its key.
		fmt.Fprintf(c.stderr, "consumer: ack %s: %v\n", msg.Subject(), err)
	}
	return nil
}

// describe decodes a message by its subject and returns its dedupe key and printed line.
func (c *Consumer) describe(msg jetstream.Msg) (key, line string, err error) {
	subj := msg.Subject()
	switch {
	case strings.HasPrefix(subj, c.names.ResultSubjectPrefix+"."):
		r, err := job.DecodeResult(msg.Data())
		if err != nil {
			return "", "", err
		}
		return "result:" + r.BatchID + ":" + r.ClientOrderID + generationSuffix(r.Generation), formatResult(r), nil
	case strings.HasPrefix(subj, c.names.SummarySubjectPrefix+"."):
		s, err := job.DecodeBatchSummary(msg.Data())
		if err != nil {
			return "", "", err
		}
		return "summary:" + s.BatchID + generationSuffix(s.Generation), formatSummary(s), nil
	case strings.HasPrefix(subj, c.names.DeadSubjectPrefix+"."):
		d, err := job.DecodeDeadLetter(msg.Data())
		if err != nil {
			return "", "", err
		}
		var ledger struct {
			Generation int `json:"generation"`
		}
		_ = json.Unmarshal(d.Ledger, &ledger) // absent: generation 0
		key = "dead:" + d.BatchID + ":" + d.ClientOrderID + generationSuffix(ledger.Generation)
		if d.ClientOrderID == "" { // a job message that could not be decoded: no row
			key = "dead:seq:" + strconv.FormatUint(d.StreamSeq, 10)
		}
		return key, fmt.Sprintf("dead     %s  line %d  %s  %s", d.BatchID, d.Line, d.ClientOrderID, d.Reason), nil
	}
	return "", "", fmt.Errorf("unexpected subject %s", subj)
}

// generationSuffix tells a put-back row's messages from the row's earlier ones: a result of a
// higher generation supersedes the earlier result of the same row (docs/job.md).
func generationSuffix(g int) string {
	if g <= 0 {
		return ""
	}
	return ":r" + strconv.Itoa(g)
}

func formatResult(r job.Result) string {
	s := fmt.Sprintf("result   %s  line %d  %s  %s  %s %s  %s", r.BatchID, r.Line, r.ClientOrderID, r.Status, r.Amount, r.Currency, r.Destination)
	if r.Generation > 0 {
		s += fmt.Sprintf("  generation %d (supersedes the earlier result)", r.Generation)
	}
	if r.ErrorCode != "" || r.ErrorMessage != "" {
		s += fmt.Sprintf("  %s: %s", r.ErrorCode, r.ErrorMessage)
	}
	return s
}

func formatSummary(s job.BatchSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "summary  %s  %d rows", s.BatchID, s.Rows)
	for _, st := range job.Statuses {
		n := s.Counts[st]
		if n == 0 {
			continue
		}
		var totals []string
		for _, cur := range slices.Sorted(maps.Keys(s.Totals[st])) {
			totals = append(totals, cur+" "+s.Totals[st][cur].String())
		}
		fmt.Fprintf(&b, "; %s %d (%s)", st, n, strings.Join(totals, ", "))
	}
	return b.String()
}
