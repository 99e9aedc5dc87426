package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

// reportFile is the --report file, prepared before anything is published: a temporary file in the
// report's directory (so the directory exists and is writable), renamed over the report when it is
// complete. A report is therefore never half written.
type reportFile struct {
	path string
	tmp  *os.File
}

// newReportFile checks the report path and creates its temporary file; nil, nil when no report
// was asked for. A path that is a directory, in a missing or read-only directory, or that is the
// input file itself is a usage error.
func newReportFile(path, input string) (*reportFile, error) {
	if path == "" {
		return nil, nil
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("%w: --report %s is a directory", cli.ErrUsage, path)
		}
		if in, err := os.Stat(input); err == nil && os.SameFile(fi, in) {
			return nil, fmt.Errorf("%w: --report %s is the input file", cli.ErrUsage, path)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("%w: --report %s cannot be written: %w", cli.ErrUsage, path, err)
	}
	return &reportFile{path: path, tmp: tmp}, nil
}

// write writes the report and moves it into place.
func (r *reportFile) write(info batch.ReportInfo, results map[string]job.Result, o batch.ReportOptions) error {
	if err := batch.WriteReport(r.tmp, info, results, o); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := r.tmp.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(r.tmp.Name(), r.path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r.tmp = nil
	return nil
}

// discard removes the temporary file of a report that was not written.
func (r *reportFile) discard() {
	if r == nil || r.tmp == nil {
		return
	}
	_ = r.tmp.Close()
	_ = os.Remove(r.tmp.Name())
}
