package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
)

// Exit codes. exitCodes is the one place they are described: --help prints it and
// docs/enqueue.md's table is generated from it (TestExitCodesAreDocumented).
const (
	exitOK          = 0
	exitInfra       = 1
	exitUsage       = 2
	exitInvalid     = 3
	exitDuplicates  = 4
	exitNotApproved = 5
	exitWaitTimeout = 6
)

// exitCodes says what each exit code means: short for --help, long for docs/enqueue.md.
var exitCodes = []struct {
	code        int
	short, long string
}{
	{exitOK, "ok", "success; or the batch was already enqueued; with `--wait`: every row approved"},
	{exitInfra, "infrastructure", "infrastructure: NATS unreachable or failing, I/O error, interrupted (SIGINT/SIGTERM). Nothing is half-marked: run the same command again. Also `--wait` on a completed batch whose results have expired (`ErrResultsMissing`)"},
	{exitUsage, "usage", "usage: bad flags, bad config (the error names the key and variable), bad `--batch`, a missing input file, a `--report` path that cannot be written (a directory, a missing or read-only directory, the input file itself)"},
	{exitInvalid, "invalid input (nothing enqueued)", "input rejected, nothing enqueued: invalid rows (`enqueue: payroll.csv: 1 error in 1 row; nothing enqueued`), no rows, a workbook or non-UTF-8 file, or the batch id already belongs to a file with other content; `--retry`: unknown batch, or a batch still running"},
	{exitDuplicates, "rows skipped as duplicates of another batch", "enqueued, but some rows were skipped because another batch had already enqueued their `client_orderid` (each printed with the other batch's id)"},
	{exitNotApproved, "--wait: not all approved", "`--wait`: every row has a result, but not all are `approved` (see the summary or the report)"},
	{exitWaitTimeout, "--wait timed out", "`--wait`: timed out before every row had a result; the batch goes on, wait again later"},
}

// exitCodesHelp is the exit code line of --help.
func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:")
	for i, c := range exitCodes {
		sep := ","
		if i == len(exitCodes)-1 {
			sep = "."
		}
		fmt.Fprintf(&b, " %d %s%s", c.code, c.short, sep)
	}
	return b.String()
}

var (
	errHelp        = errors.New("help requested")
	errDuplicates  = errors.New("rows skipped: already enqueued by another batch")
	errNotApproved = errors.New("not every row was approved")
)

// exitCode maps run's error to the process exit code.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, cli.ErrUsage), errors.Is(err, config.ErrInvalid), errors.Is(err, batch.ErrInvalidBatchID):
		return exitUsage
	case errors.Is(err, job.ErrInvalidBatch), errors.Is(err, batch.ErrEmptyBatch), errors.Is(err, batch.ErrBatchConflict),
		errors.Is(err, batch.ErrBatchRunning), errors.Is(err, batch.ErrUnknownBatch), errors.Is(err, batch.ErrInputTooLarge):
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
