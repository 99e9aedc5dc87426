package config

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/queue"
)

// QueueNames maps the names section to pkg/queue.
func (c Config) QueueNames() queue.Names {
	n := c.Names
	return queue.Names{
		JobStream: n.JobStream, JobSubjectPrefix: n.JobSubjectPrefix, ChunkSubjectPrefix: n.ChunkSubjectPrefix,
		ResultStream: n.ResultStream, ResultSubjectPrefix: n.ResultSubjectPrefix, SummarySubjectPrefix: n.SummarySubjectPrefix,
		DeadSubjectPrefix: n.DeadSubjectPrefix, Consumer: n.Consumer, BatchesBucket: n.BatchesBucket,
		OrdersBucket: n.OrdersBucket, LedgerBucket: n.LedgerBucket, RateLimitBucket: n.RateLimitBucket,
	}
}

// QueueSettings maps the streams section and the worker's consumer keys to pkg/queue; KV
// histories keep pkg/queue's defaults.
func (c Config) QueueSettings() queue.Settings {
	s := queue.DefaultSettings()
	st := c.Streams
	s.Replicas, s.JobMaxMsgs, s.JobMaxBytes, s.JobDuplicates, s.MaxMsgSize = st.Replicas, st.JobMaxMsgs, st.JobMaxBytes, st.JobDuplicates, st.MaxMsgSize
	s.ResultMaxAge, s.ResultMaxMsgs, s.ResultMaxBytes, s.ResultDuplicates = st.ResultMaxAge, st.ResultMaxMsgs, st.ResultMaxBytes, st.ResultDuplicates
	s.AckWait, s.MaxDeliver, s.MaxAckPending = c.Worker.AckWait, c.Worker.MaxDeliver, c.Worker.MaxAckPending
	return s
}

// ConnectOptions maps the nats section to pkg/queue; name is used when nats.name is empty.
func (c Config) ConnectOptions(name string, log zerolog.Logger) queue.ConnectOptions {
	n := c.NATS
	if n.Name != "" {
		name = n.Name
	}
	return queue.ConnectOptions{
		URL: n.URL, Name: name, CredsFile: n.CredsFile, NKeyFile: n.NKeyFile, User: n.User, Password: n.Password, Token: n.Token,
		CAFile: n.TLS.CAFile, CertFile: n.TLS.CertFile, KeyFile: n.TLS.KeyFile,
		ConnectTimeout: n.ConnectTimeout, ReconnectWait: n.ReconnectWait, ReconnectJitter: n.ReconnectJitter, PingInterval: n.PingInterval,
		Log: log,
	}
}

// Connect connects as name (see ConnectOptions) without provisioning anything (the worker's
// pause, resume and status commands). The caller closes the connection.
func (c Config) Connect(ctx context.Context, name string, log zerolog.Logger) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := queue.Connect(ctx, c.ConnectOptions(name, log))
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

// ConnectClient connects as name (see ConnectOptions) and provisions the streams and buckets for
// a client that does not own the workers' consumer (enqueue, the console): the consumer is
// created if it is missing, otherwise only its filter is checked. The caller closes the
// connection.
func (c Config) ConnectClient(ctx context.Context, name string, log zerolog.Logger) (*nats.Conn, jetstream.JetStream, *queue.Handles, error) {
	nc, js, err := c.Connect(ctx, name, log)
	if err != nil {
		return nil, nil, nil, err
	}
	settings := c.QueueSettings()
	settings.ConsumerCreateOnly = true // the workers own their consumer's settings
	handles, err := queue.Provision(ctx, js, c.QueueNames(), settings)
	if err != nil {
		nc.Close()
		return nil, nil, nil, err
	}
	return nc, js, handles, nil
}
