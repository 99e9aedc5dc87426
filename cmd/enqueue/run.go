package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/buildinfo"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
)

// flags are the command line.
type flags struct {
	configPath string
	natsURL    string
	creds      string
	nkey       string
	tlsCA      string
	tlsCert    string
	tlsKey     string
	batchID    string
	retry      string
	dryRun     bool
	wait       bool
	report     string
	reportFmt  string
	reportSep  string
	strict     bool
	timeout    time.Duration
	progress   time.Duration
	version    bool
	file       string
	set        map[string]bool // flags given explicitly
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("enqueue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: enqueue [flags] FILE.csv     (FILE "-" reads stdin)

Validates the whole file, then publishes one job per row to JetStream exactly once.
Re-running the same command is safe: after success it says so, after an interruption it finishes.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Environment: every configuration key can be set as PAYRUN_<KEY PATH> (e.g. PAYRUN_NATS_URL,
PAYRUN_ENQUEUE_WAIT_TIMEOUT, PAYRUN_LOG_LEVEL; docs/config.md); flags override both.
NATS user/password/token: nats.user, nats.password, nats.token in the config file or
PAYRUN_NATS_USER, PAYRUN_NATS_PASSWORD, PAYRUN_NATS_TOKEN (never on the command line).
enqueue --retry BATCH FILE.csv puts back the rows of the completed batch BATCH that were written
off with proof that no request was ever sent (FILE holds those rows, corrected or not); every
other row of FILE is listed with the reason it stays as it is.
`)
		fmt.Fprintln(stderr, exitCodesHelp())
	}
	fs.StringVar(&f.configPath, "config", "", "YAML config file (see configs/payrun.yaml); env PAYRUN_* override it")
	fs.StringVar(&f.natsURL, "nats-url", queue.DefaultURL, "NATS server URL(s) (env PAYRUN_NATS_URL)")
	fs.StringVar(&f.creds, "creds", "", "NATS credentials file (nats.creds_file)")
	fs.StringVar(&f.nkey, "nkey", "", "NATS nkey seed file (nats.nkey_file)")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "CA bundle that verifies the NATS server (nats.tls.ca_file)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS client certificate (nats.tls.cert_file)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS client key (nats.tls.key_file)")
	fs.StringVar(&f.batchID, "batch", "", "batch id (1-64 of A-Z a-z 0-9 _ -); default: derived from the file's content")
	fs.StringVar(&f.retry, "retry", "", "put back the rows of the completed batch `BATCH` whose ledger proves nothing was sent (see docs/enqueue.md)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "validate and print the summary only; do not connect")
	fs.BoolVar(&f.wait, "wait", false, "follow the batch's results until every row has one (also for a batch enqueued earlier)")
	fs.StringVar(&f.report, "report", "", "write the results, one row per payout row in file order, to `FILE` (implies --wait)")
	fs.StringVar(&f.reportFmt, "report-format", "csv", "report format: csv (one header, one row per payout) or excel (UTF-8 BOM, totals, batch id and sha256 below the rows)")
	fs.StringVar(&f.reportSep, "report-delimiter", ",", "delimiter of an excel report: , or ;")
	fs.BoolVar(&f.strict, "strict", false, "treat warnings (card number in a text field, leading zero dropped by a spreadsheet) as errors")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up waiting after this long (default: enqueue.wait_timeout, 0 = no limit)")
	fs.DurationVar(&f.progress, "progress-interval", 10*time.Second, "--wait: how often to report progress on stderr (a JSON line when stderr is not a terminal) and say why nothing moves")
	fs.BoolVar(&f.version, "version", false, "print the build (module version, VCS revision, Go version) and exit")
	// Flags may come before or after the file.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return f, errHelp
			}
			return f, fmt.Errorf("%w: %w", cli.ErrUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if f.version {
		return f, nil
	}
	if len(positional) != 1 {
		fs.Usage()
		return f, fmt.Errorf("%w: want exactly one FILE (or - for stdin), got %d", cli.ErrUsage, len(positional))
	}
	f.file = positional[0]
	f.set = cli.Given(fs)
	if f.report != "" {
		f.wait = true
	}
	if f.dryRun && f.wait {
		return f, fmt.Errorf("%w: --dry-run cannot be combined with --wait or --report", cli.ErrUsage)
	}
	if f.retry != "" {
		if f.dryRun || f.wait || f.set["batch"] {
			return f, fmt.Errorf("%w: --retry cannot be combined with --dry-run, --wait, --report or --batch", cli.ErrUsage)
		}
		f.batchID = f.retry
	}
	if f.timeout < 0 {
		return f, fmt.Errorf("%w: --timeout must not be negative", cli.ErrUsage)
	}
	if _, err := batch.ParseReportFormat(f.reportFmt); err != nil {
		return f, fmt.Errorf("%w: --report-format: %w", cli.ErrUsage, err)
	}
	if f.reportSep != "," && f.reportSep != ";" || f.reportSep == ";" && f.reportFmt != string(batch.ReportExcel) {
		return f, fmt.Errorf("%w: --report-delimiter must be , or ; (and ; only with --report-format excel)", cli.ErrUsage)
	}
	return f, nil
}

// loadConfig reads the config and applies the flags over it.
func loadConfig(f flags) (config.Config, error) {
	cfg, err := config.Load(f.configPath, os.Environ())
	if err != nil {
		return cfg, err
	}
	over := func(name string, dst *string, v string) {
		if f.set[name] {
			*dst = v
		}
	}
	over("nats-url", &cfg.NATS.URL, f.natsURL)
	over("creds", &cfg.NATS.CredsFile, f.creds)
	over("nkey", &cfg.NATS.NKeyFile, f.nkey)
	over("tls-ca", &cfg.NATS.TLS.CAFile, f.tlsCA)
	over("tls-cert", &cfg.NATS.TLS.CertFile, f.tlsCert)
	over("tls-key", &cfg.NATS.TLS.KeyFile, f.tlsKey)
	if f.set["timeout"] {
		cfg.Enqueue.WaitTimeout = f.timeout
	}
	return cfg, cfg.Validate()
}

// newLogger is the binaries' logger (internal/cli) at warn unless the configuration asks for
// another level than info: enqueue speaks to people on stdout and stderr.
func newLogger(cfg config.Config, stderr io.Writer) zerolog.Logger {
	c := cfg.Log
	if c.Level == "info" {
		c.Level = "warn"
	}
	log, _ := cli.NewLogger(c, stderr, os.Environ(), "payrun-enqueue")
	return log
}

// run is the whole command; it writes only to the given streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if f.version {
		fmt.Fprintln(stdout, buildinfo.Read().String("payrun-enqueue"))
		return nil
	}
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if f.file != "-" {
		if _, err := os.Stat(f.file); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: input file %s does not exist", cli.ErrUsage, f.file)
		}
	}
	// The report's place is checked before anything is published: a run must not pay a batch and
	// then fail to say how it went.
	report, err := newReportFile(f.report, f.file)
	if err != nil {
		return err
	}
	defer report.discard()

	in, cleanup, err := batch.WithContext(ctx, batch.FileInput(f.file), cfg.Enqueue.MaxFileBytes), func() {}, error(nil)
	if !f.dryRun || f.file == "-" { // a dry run reads a file once; nothing is published from it
		in, cleanup, err = openInput(ctx, f.file, stdin, cfg.Enqueue.MaxFileBytes)
	}
	if err != nil {
		return err
	}
	defer cleanup()
	keys, err := loadDataKeys(cfg, stderr, !f.dryRun)
	if err != nil {
		return err
	}
	// Validation runs before connecting (bad input needs no NATS), against the configured job
	// size limit, measuring each job sealed as it will be stored; Enqueue checks every row again
	// if the stream's real limit is smaller.
	configured := batch.JobLimit{Bytes: int(cfg.Streams.MaxMsgSize), Source: "the configured streams.max_msg_size allows", Seal: keys}
	plan, err := batch.ValidateInput(in, f.batchID, cfg.Enqueue.MaxErrors, configured, job.WithStrict(f.strict))
	if err != nil {
		var ife *batch.InvalidFileError
		if errors.As(err, &ife) {
			printInvalid(stderr, ife)
			return fmt.Errorf("%w: %w", cli.ErrReported, err)
		}
		return err
	}
	// The validation pass's duplicate-check table is garbage now; give it back before the publish
	// pass builds its own, so peak memory is one pass's, not two.
	debug.FreeOSMemory()
	printWarnings(stderr, plan.Summary, true)
	if f.dryRun {
		printPlan(stdout, plan)
		fmt.Fprintf(stdout, "job size:   every job at most %d bytes, the configured streams.max_msg_size (the dry run does not ask NATS; enqueue checks the stream's real limit)\n", configured.Bytes)
		fmt.Fprintln(stdout, "dry run: valid, nothing enqueued")
		return nil
	}

	nc, js, handles, err := cfg.ConnectClient(ctx, "payrun-enqueue", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	if f.retry != "" {
		en, err := batch.New(js, handles, batch.Options{Names: cfg.QueueNames(), Log: log, Seal: keys})
		if err != nil {
			return err
		}
		rep, err := en.Retry(ctx, in, plan)
		printRetry(stdout, stderr, in.Name, rep)
		return err
	}
	bar := newProgress(stderr, plan.Summary.Valid, "enqueue")
	en, err := batch.New(js, handles, batch.Options{
		Names: cfg.QueueNames(), ChunkSize: cfg.Enqueue.ChunkSize, Window: cfg.Enqueue.PublishWindow,
		Log: log, Progress: bar.update, Seal: keys,
	})
	if err != nil {
		return err
	}
	rep, err := en.Enqueue(ctx, in, plan)
	bar.finish()
	var ife *batch.InvalidFileError
	if errors.As(err, &ife) { // a row does not fit the stream's real job size limit
		printInvalid(stderr, ife)
		return fmt.Errorf("%w: %w", cli.ErrReported, err)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; nothing is lost, run the same command again to finish batch %s: %w", plan.BatchID, err)
		}
		if queue.IsUnavailable(err) {
			return fmt.Errorf("%w\nbatch %s stays 'publishing'; run the same command again when NATS is back to finish it", err, plan.BatchID)
		}
		return err
	}
	printReport(stdout, stderr, rep)
	warnUnfinishedOwners(ctx, stderr, handles.Batches, rep)
	var result error
	if rep.Duplicates > 0 {
		result = fmt.Errorf("%w: %d rows", errDuplicates, rep.Duplicates)
	}
	if !f.wait {
		return result
	}
	werr := waitFor(ctx, f, cfg, js, handles, plan, in, report, stdout, stderr, log)
	if werr != nil {
		return werr
	}
	return result
}

// warnUnfinishedOwners names every other batch (among the duplicate samples) that owns skipped
// rows but is not fully enqueued: an interrupted run of it reserved those client_orderids and may
// not have published them, so they are paid only when that batch's own command is run again.
// Without this the rows would look enqueued while nothing may carry them.
func warnUnfinishedOwners(ctx context.Context, w io.Writer, batches jetstream.KeyValue, rep batch.Report) {
	seen := map[string]bool{}
	for _, d := range rep.DuplicateSamples {
		if seen[d.OtherBatch] {
			continue
		}
		seen[d.OtherBatch] = true
		m, _, err := batch.ReadManifest(ctx, batches, d.OtherBatch)
		switch {
		case err != nil:
			fmt.Fprintf(w, "batch %s, which owns skipped rows, could not be checked (%v): make sure it is fully enqueued\n", d.OtherBatch, err)
		case m.State == batch.StatePublishing:
			fmt.Fprintf(w, "batch %s is not fully enqueued (state publishing): rows it reserved, skipped here, may not be published yet;\n"+
				"  run enqueue again for batch %s with its original file (%s, sha256 %s) to finish it\n", d.OtherBatch, d.OtherBatch, m.Source, m.SHA256)
		}
	}
}

// openInput copies the batch file (or stdin for "-"), at most maxBytes, to a private temporary
// file that is unlinked at once (it vanishes with the process) and reads both passes, validation
// and publishing, from that copy; every stage stops when ctx ends. Reading the original twice
// would publish whatever it holds by the second pass: a file still being written or replaced in
// between would get rows published that were never validated with the whole file (the final
// SHA-256 check only notices after chunks are out).
func openInput(ctx context.Context, name string, stdin io.Reader, maxBytes int64) (batch.Input, func(), error) {
	src := stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return batch.Input{}, nil, fmt.Errorf("input: %w", err)
		}
		defer file.Close()
		if fi, err := file.Stat(); err == nil && fi.IsDir() {
			return batch.Input{}, nil, fmt.Errorf("input: %s is a directory, want a CSV file", name)
		} else if err == nil && fi.Mode().IsRegular() && fi.Size() > maxBytes {
			return batch.Input{}, nil, fmt.Errorf("input: %s has %d bytes, more than enqueue.max_file_bytes (%d): %w", name, fi.Size(), maxBytes, batch.ErrInputTooLarge)
		}
		src = file
	}
	in, cleanup, err := batch.SpoolInput(ctx, src, name, "", maxBytes)
	if errors.Is(err, batch.ErrInputTooLarge) {
		err = fmt.Errorf("input: %w (enqueue.max_file_bytes, PAYRUN_ENQUEUE_MAX_FILE_BYTES)", err)
	}
	return in, cleanup, err
}

// waitFor follows the batch's results and writes the report, also after a timeout (rows without a
// result are then pending).
func waitFor(ctx context.Context, f flags, cfg config.Config, js jetstream.JetStream, h *queue.Handles, plan batch.Plan, in batch.Input,
	report *reportFile, stdout, stderr io.Writer, log zerolog.Logger) error {
	m, _, err := batch.ReadManifest(ctx, h.Batches, plan.BatchID)
	if err != nil {
		return err
	}
	results := map[string]job.Result{}
	bar := newProgress(stderr, m.Enqueued, "results")
	var got atomic.Int64 // distinct rows with a result, for the progress reports
	stopWatch := watchWait(ctx, f.progress, js, cfg.QueueNames(), plan.BatchID, m.Enqueued, &got, stderr)
	res, err := batch.Wait(ctx, js, h.Batches, plan.BatchID, batch.WaitOptions{
		Names: cfg.QueueNames(), Timeout: cfg.Enqueue.WaitTimeout, Log: log,
		Progress: func(p batch.Progress) { got.Store(int64(p.Rows)); bar.update(p) },
		OnResult: func(r job.Result) { results[r.ClientOrderID] = r },
	})
	stopWatch()
	bar.finish()
	printWait(stdout, res)
	if report != nil && !errors.Is(err, batch.ErrNotEnqueued) {
		format, _ := batch.ParseReportFormat(f.reportFmt) // checked by parseFlags
		info := batch.ReportInfo{BatchID: plan.BatchID, Input: in, SHA256: plan.SHA256, ReadAt: plan.ValidatedAt,
			Complete: err == nil, Written: time.Now()}
		if rerr := report.write(info, results, batch.ReportOptions{Format: format, Delimiter: []rune(f.reportSep)[0]}); rerr != nil {
			return errors.Join(err, rerr)
		}
		fmt.Fprintf(stdout, "report:     %s\n", f.report)
	}
	if err != nil {
		return err
	}
	if !res.AllApproved() {
		return fmt.Errorf("%w: %d of %d approved", errNotApproved, res.Counts[job.StatusApproved], res.Expected)
	}
	return nil
}
