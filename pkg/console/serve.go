package console

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// shutdownTimeout bounds the end of requests in flight when the console stops.
const shutdownTimeout = 10 * time.Second

// Serve listens on addr and serves h until ctx ends, then shuts down gracefully (requests in
// flight get shutdownTimeout). listening, if set, is called with the base URL once the socket
// is open (addr may end in :0).
func Serve(ctx context.Context, addr string, h http.Handler, listening func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("console: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if listening != nil {
		listening("http://" + ln.Addr().String())
	}
	select {
	case err := <-done:
		return fmt.Errorf("console: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("console: shutdown: %w", err)
	}
	return nil
}
