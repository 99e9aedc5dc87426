package payout

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// A job's reply (ack, nak with a delay, term) goes to the consumer's leader. Sent as a plain
// publish (nats.go's NakWithDelay and TermWithReason), it vanishes when that leader has just
// been lost: a crashed node receives nothing and nobody says so, and the job then waits the
// whole AckWait before the new leader redelivers it. A pulled job's replies are therefore sent
// as requests that the server confirms, and sent again until it does: the leader elected next
// holds the same pending state and takes the reply. Repeating a reply is harmless (an ack of
// an acknowledged job is ignored; a job redelivered meanwhile finds its state in the ledger).

// replyRetry is the pause before an unconfirmed reply is sent again; replyAttempt bounds one
// attempt (a request buffered while the connection moves to another server is answered from
// there).
const (
	replyRetry   = 250 * time.Millisecond
	replyAttempt = 2 * time.Second
)

// confirmedMsg is a pulled job message whose DoubleAck, NakWithDelay and TermWithReason return
// once the server has confirmed the reply, sending it again across a consumer leader election
// for at most budget (the consumer's AckWait: by then the server redelivers the job anyway) and
// until stop ends (a forced shutdown). Its other methods are the message's own.
type confirmedMsg struct {
	jetstream.Msg
	nc     *nats.Conn
	stop   context.Context
	budget time.Duration
	log    *zerolog.Logger
}

// confirmReplies wraps msg so that its replies are confirmed (see confirmedMsg).
func confirmReplies(msg jetstream.Msg, nc *nats.Conn, stop context.Context, budget time.Duration, log *zerolog.Logger) jetstream.Msg {
	if nc == nil || msg.Reply() == "" {
		return msg
	}
	return &confirmedMsg{Msg: msg, nc: nc, stop: stop, budget: budget, log: log}
}

// The reply bodies of the JetStream protocol (what nats.go sends).
const (
	replyNak  = "-NAK"
	replyTerm = "+TERM"
)

// DoubleAck is the message's own (a request already), sent again until confirmed.
func (m *confirmedMsg) DoubleAck(ctx context.Context) error {
	return m.confirm(ctx, "ack", func(ctx context.Context, _ time.Duration) error { return m.Msg.DoubleAck(ctx) })
}

// NakWithDelay asks for redelivery delay after this call: a reply sent again later asks for
// what is left of it.
func (m *confirmedMsg) NakWithDelay(delay time.Duration) error {
	return m.confirm(m.stop, "nak", func(ctx context.Context, elapsed time.Duration) error {
		body := []byte(replyNak)
		if left := delay - elapsed; left > 0 {
			body = fmt.Appendf(nil, `%s {"delay": %d}`, replyNak, left.Nanoseconds())
		}
		return m.request(ctx, body)
	})
}

func (m *confirmedMsg) TermWithReason(reason string) error {
	return m.confirm(m.stop, "term", func(ctx context.Context, _ time.Duration) error {
		return m.request(ctx, []byte(replyTerm+" "+reason))
	})
}

// request sends body to the message's reply subject and waits for the server's answer
// (nats.go sends a nak or term as a plain publish).
func (m *confirmedMsg) request(ctx context.Context, body []byte) error {
	_, err := m.nc.RequestWithContext(ctx, m.Reply(), body)
	return err
}

// confirm calls send (with the time elapsed since the first attempt) until it succeeds, ctx
// ends, budget has passed or the connection is closed.
func (m *confirmedMsg) confirm(ctx context.Context, what string, send func(ctx context.Context, elapsed time.Duration) error) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, m.budget)
	defer cancel()
	for attempt := 1; ; attempt++ {
		actx, acancel := context.WithTimeout(ctx, replyAttempt)
		err := send(actx, time.Since(start))
		acancel()
		if err == nil {
			if attempt > 1 {
				m.log.Info().Str("reply", what).Int("attempts", attempt).Dur("waited_ms", time.Since(start)).
					Str("subject", m.Subject()).Msg("payout: reply confirmed after the consumer's leader answered again")
			}
			return nil
		}
		if m.nc.IsClosed() || ctx.Err() != nil {
			return fmt.Errorf("payout: %s not confirmed after %d attempts in %s: %w", what, attempt, time.Since(start).Round(time.Millisecond), err)
		}
		select {
		case <-time.After(replyRetry):
		case <-ctx.Done():
		}
	}
}
