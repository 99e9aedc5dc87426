package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/logging"
)

func printInvalid(w io.Writer, e *batch.InvalidFileError) {
	errs := e.Summary.Errors
	if errs != nil {
		for _, ve := range errs.List {
			fmt.Fprintln(w, ve.Error())
		}
		if more := errs.Total - len(errs.List); more > 0 {
			fmt.Fprintf(w, "... and %d more errors\n", more)
		}
	}
	printWarnings(w, e.Summary, false)
	fmt.Fprintf(w, "enqueue: %s: %s; nothing enqueued\n", e.Summary.Source, e.Counts())
}

// printWarnings prints what a spreadsheet may have done to the data (the rows are valid) and, with
// advice, what to do about it.
func printWarnings(w io.Writer, s job.Summary, advice bool) {
	for _, ve := range s.Warnings {
		fmt.Fprintln(w, "warning: "+ve.Error())
	}
	if more := s.WarningTotal - len(s.Warnings); more > 0 {
		fmt.Fprintf(w, "warning: ... and %d more\n", more)
	}
	if advice && s.WarningTotal > 0 {
		fmt.Fprintf(w, "enqueue: %s: %s; check them, or run with --strict to refuse the file\n", s.Source, plural(s.WarningTotal, "warning"))
	}
}

// printLayout shows how the file was read, so a person can check it before enqueueing.
func printLayout(w io.Writer, l job.Layout) {
	format := fmt.Sprintf("%s-separated (%s)", job.DelimiterName(l.Delimiter), map[string]string{
		"sep= line": "from the sep= line", "header": "detected from the header", "default": "default"}[l.DelimFrom])
	if l.BOM {
		format += ", UTF-8 with BOM"
	} else {
		format += ", UTF-8"
	}
	if len(l.TitleLines) > 0 {
		format += fmt.Sprintf("; title lines %v skipped", l.TitleLines)
	}
	fmt.Fprintf(w, "format:     %s; header on line %d\n", format, l.HeaderLine)
	for i, c := range l.Columns {
		label := "columns:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "%-11s %2d %-24q -> %s\n", label, c.Field, c.Header, c.Param)
	}
}

func printPlan(w io.Writer, p batch.Plan) {
	fmt.Fprintf(w, "batch:      %s\n", p.BatchID)
	fmt.Fprintf(w, "source:     %s (sha256 %s)\n", p.Source, p.SHA256)
	printLayout(w, p.Summary.Layout)
	fmt.Fprintf(w, "rows:       %d\n", p.Summary.Valid)
	fmt.Fprintf(w, "totals:     %s\n", p.Summary.Totals)
}

func printReport(stdout, stderr io.Writer, r batch.Report) {
	for _, d := range r.DuplicateSamples {
		fmt.Fprintf(stderr, "%s:%d: client_orderid %q already enqueued by batch %s; skipped\n", r.Source, d.Line, job.MaskText(d.ClientOrderID), d.OtherBatch)
	}
	if more := r.Duplicates - len(r.DuplicateSamples); more > 0 {
		fmt.Fprintf(stderr, "... and %d more rows already enqueued by other batches; skipped\n", more)
	}
	fmt.Fprintf(stdout, "batch:      %s\n", r.BatchID)
	fmt.Fprintf(stdout, "source:     %s (sha256 %s)\n", r.Source, r.SHA256)
	fmt.Fprintf(stdout, "rows:       %d\n", r.Rows)
	fmt.Fprintf(stdout, "totals:     %s\n", r.Totals)
	fmt.Fprintf(stdout, "enqueued:   %d\n", r.Enqueued)
	if r.Duplicates > 0 {
		fmt.Fprintf(stdout, "skipped:    %d (already enqueued by other batches)\n", r.Duplicates)
	}
	switch {
	case r.AlreadyEnqueued:
		fmt.Fprintf(stdout, "state:      %s (already enqueued earlier; nothing published)\n", r.State)
	case r.Resumed:
		fmt.Fprintf(stdout, "state:      %s (resumed an interrupted run; no duplicates)\n", r.State)
	default:
		fmt.Fprintf(stdout, "state:      %s\n", r.State)
	}
}

func printWait(w io.Writer, res batch.WaitResult) {
	fmt.Fprintf(w, "results:    %d of %d\n", res.Results, res.Expected)
	for _, s := range job.Statuses {
		if n := res.Counts[s]; n > 0 {
			fmt.Fprintf(w, "  %-11s %d (%s)\n", s+":", n, res.Totals[s])
		}
	}
}

// progress is a progress bar on a terminal and nothing elsewhere.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(w io.Writer, total int, what string) *progress {
	if !logging.IsTerminal(w) || total <= 0 {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p *progress) update(pr batch.Progress) {
	if p.bar != nil {
		_ = p.bar.Set(pr.Rows)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// plural is "1 warning", "2 warnings".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// printRetry lists every refused row (file:line: client_orderid: reason) on stderr and the rows
// put back on stdout.
func printRetry(stdout, stderr io.Writer, source string, r batch.RetryReport) {
	for _, row := range r.Refused {
		fmt.Fprintf(stderr, "%s:%d: client_orderid %q not put back: %s\n", source, row.Line, row.ClientOrderID, row.Reason)
	}
	for _, row := range r.PutBack {
		fmt.Fprintf(stdout, "%s:%d: client_orderid %q put back (generation %d)\n", source, row.Line, row.ClientOrderID, row.Generation)
	}
	fmt.Fprintf(stdout, "batch %s: %d rows put back, %d refused\n", r.BatchID, len(r.PutBack), len(r.Refused))
}
