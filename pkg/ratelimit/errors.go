package ratelimit

import "errors"

var (
	// ErrClosed is returned by Wait and the control methods after Close.
	ErrClosed = errors.New("ratelimit: limiter closed")
	// ErrPaused is wrapped (beside the context's error) when Wait gives up because its
	// context ended while the pool was paused or under gateway pressure: the job did not fail,
	// it should be handed back (NakWithDelay) and tried again later.
	ErrPaused = errors.New("ratelimit: pool paused")
	// ErrInvalidOptions wraps every Options validation failure; the message names the field.
	ErrInvalidOptions = errors.New("ratelimit: invalid options")
)
