package main

import (
	"context"
	"errors"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
)

// Exit codes (documented in the package comment and docs/enqueue.md).
const (
	exitOK          = 0
	exitInfra       = 1
	exitUsage       = 2
	exitInvalid     = 3
	exitDuplicates  = 4
	exitNotApproved = 5
	exitWaitTimeout = 6
)

var (
	errUsage       = errors.New("usage")
	errHelp        = errors.New("help requested")
	errDuplicates  = errors.New("rows skipped: already enqueued by another batch")
	errNotApproved = errors.New("not every row was approved")
	// errReported marks an error whose details were already printed.
	errReported = errors.New("reported")
)

// exitCode maps run's error to the process exit code.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsage), errors.Is(err, config.ErrInvalid), errors.Is(err, batch.ErrInvalidBatchID):
		return exitUsage
	case errors.Is(err, job.ErrInvalidBatch), errors.Is(err, batch.ErrEmptyBatch), errors.Is(err, batch.ErrBatchConflict),
		errors.Is(err, batch.ErrBatchRunning), errors.Is(err, batch.ErrUnknownBatch):
		return exitInvalid
	case errors.Is(err, batch.ErrWaitTimeout):
		return exitWaitTimeout
	case errors.Is(err, errNotApproved):
		return exitNotApproved
	case errors.Is(err, errDuplicates):
		return exitDuplicates
	case errors.Is(err, context.Canceled):
		return exitInfra
	}
	return exitInfra
}
