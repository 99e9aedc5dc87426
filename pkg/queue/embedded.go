package queue

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure an in-process nats-server with JetStream.
type EmbeddedOptions struct {
	// StoreDir holds the JetStream data. Empty: a new temporary directory, removed by Shutdown.
	StoreDir string
	// Host to listen on; default 127.0.0.1 (loopback only).
	Host string
	// Port to listen on: 0 means the NATS default 4222; -1 picks a free port (tests).
	Port int
	// SyncInterval overrides how often the store is flushed to disk. Zero (the default) means
	// sync_interval: always, every acknowledged write is on disk; anything else trades durability
	// on power loss for speed and exists only for comparisons.
	SyncInterval time.Duration
	// ReadyTimeout bounds start-up; default 10s.
	ReadyTimeout time.Duration
	// Logs enables the server's own log on stderr.
	Logs bool
}

// EmbeddedServer is a running in-process nats-server.
type EmbeddedServer struct {
	srv      *server.Server
	opts     *server.Options
	storeDir string
	tempDir  bool
}

// ErrEmbedded is wrapped by StartEmbedded's errors.
var ErrEmbedded = errors.New("queue: embedded server")

// StartEmbedded starts an in-process nats-server with JetStream and sync_interval: always.
func StartEmbedded(o EmbeddedOptions) (*EmbeddedServer, error) {
	if o.SyncInterval < 0 { // nats-server would quietly use its 2-minute default
		return nil, fmt.Errorf("%w: sync interval %s: want 0 (always) or a positive interval", ErrEmbedded, o.SyncInterval)
	}
	dir, temp := o.StoreDir, false
	if dir == "" {
		d, err := os.MkdirTemp("", "payrun-nats-*")
		if err != nil {
			return nil, fmt.Errorf("%w: store dir: %w", ErrEmbedded, err)
		}
		dir, temp = d, true
	}
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := o.Port
	if port == 0 {
		port = 4222
	}
	opts := &server.Options{
		ServerName: "payrun-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
		NoLog:      !o.Logs,
		// sync_interval: always: every write to the store is fsynced before it is acknowledged.
		SyncAlways: o.SyncInterval == 0,
		// Only nonzero when SyncAlways is off.
		SyncInterval: o.SyncInterval,
	}
	es := &EmbeddedServer{opts: opts, storeDir: dir, tempDir: temp}
	if err := es.start(o.Logs, o.ReadyTimeout); err != nil {
		if temp {
			_ = os.RemoveAll(dir)
		}
		return nil, err
	}
	return es, nil
}

func (e *EmbeddedServer) start(logs bool, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	srv, err := server.NewServer(e.opts)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrEmbedded, err)
	}
	if logs {
		srv.ConfigureLogger()
	}
	srv.Start()
	if !srv.ReadyForConnections(timeout) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return fmt.Errorf("%w: not ready within %s (port %d in use?)", ErrEmbedded, timeout, e.opts.Port)
	}
	// Remember the real port so Restart listens on the same one (outage tests use Port -1).
	if tcp, ok := srv.Addr().(*net.TCPAddr); ok {
		e.opts.Port = tcp.Port
	}
	e.srv = srv
	return nil
}

// ClientURL is the URL clients connect to, e.g. nats://127.0.0.1:4222.
func (e *EmbeddedServer) ClientURL() string {
	return fmt.Sprintf("nats://%s", net.JoinHostPort(e.opts.Host, strconv.Itoa(e.opts.Port)))
}

// Sync is the embedded server's fsync policy: always, unless EmbeddedOptions.SyncInterval said
// otherwise.
func (e *EmbeddedServer) Sync() Sync {
	return Sync{Known: true, Always: e.opts.SyncAlways, Interval: e.opts.SyncInterval, Source: "the embedded server's options"}
}

// StoreDir is the JetStream store directory.
func (e *EmbeddedServer) StoreDir() string { return e.storeDir }

// Running reports whether the server is accepting connections.
func (e *EmbeddedServer) Running() bool { return e.srv != nil && e.srv.Running() }

// Server is the underlying nats-server (for tests that need its internals).
func (e *EmbeddedServer) Server() *server.Server { return e.srv }

// Stop shuts the server down and waits for it, keeping the store directory (an outage).
func (e *EmbeddedServer) Stop() {
	if e.srv == nil {
		return
	}
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	e.srv = nil
}

// Restart stops the server if it runs and starts it again on the same host, port and store dir.
func (e *EmbeddedServer) Restart() error {
	e.Stop()
	return e.start(!e.opts.NoLog, 0)
}

// Shutdown stops the server, waits for it, and removes the store directory if StartEmbedded
// created it.
func (e *EmbeddedServer) Shutdown() {
	e.Stop()
	if e.tempDir {
		_ = os.RemoveAll(e.storeDir)
	}
}
