package queuetest

import "go.uber.org/goleak"

// FileStoreFlushLoops are the goleak options that ignore the three goroutines one nats-server
// file store can leave running after Shutdown (by their top function, the narrowest goleak
// allows). A server stopped while atomic batches are in flight (pkg/batch's
// TestNATSOutageMidPublish) keeps its staging store's flush loops and the server's access-time
// ticker; they were still there 15 s after the last test, past the 10 s batch timeout, so waiting
// does not help. Without the ignores such a package fails goleak in about half the runs, always
// with exactly these three. A server a test forgets to shut down is still caught: it leaks many
// other goroutines.
func FileStoreFlushLoops() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*fileStore).flushStreamStateLoop"),
		goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*msgBlock).flushLoop"),
		goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server/ats.Register.func1"),
	}
}
