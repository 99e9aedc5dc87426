package console

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/ratelimit"
)

// listed is one line of the batch list: an upload, a manifest (enqueued from here, the CLI or
// cron), or both.
type listed struct {
	BatchID, Source, State string
	Rows                   int
	Totals                 job.Totals
	Expected, Results      int
	UploadedBy, ApprovedBy string
	At                     time.Time
}

type listData struct {
	Batches []listed
	Pool    ratelimit.PoolStatus
	// Page is the page shown (1 = the newest batches); Prev and Next are the neighbouring pages,
	// 0 where there is none.
	Page, Prev, Next int
}

// batchList shows one page of the batch list, newest first (?page=N, default 1), at most
// Options.ListPageSize batches.
func (s *Server) batchList(w http.ResponseWriter, r *http.Request) {
	n := 1
	if q := r.FormValue("page"); q != "" {
		var err error
		if n, err = strconv.Atoi(q); err != nil || n < 1 {
			s.fail(w, r, http.StatusBadRequest, "The page must be a whole number from 1 on.")
			return
		}
	}
	ctx, cancel := s.opContext(r)
	defer cancel()
	all, err := s.listBatches(ctx)
	if err != nil {
		s.natsDown(w, r, "list", "", err)
		return
	}
	size := s.opts.ListPageSize
	d := listData{Page: n}
	if n > 1 {
		d.Prev = n - 1
	}
	if (n-1)*size < len(all) {
		d.Batches = all[(n-1)*size : min(n*size, len(all))]
	}
	if n*size < len(all) {
		d.Next = n + 1
	}
	pool, err := s.control.Status(ctx)
	if err != nil {
		s.natsDown(w, r, "list", "", err)
		return
	}
	d.Pool = pool
	s.render(w, r, http.StatusOK, "list", page{Title: "Batches", Data: d})
}

// listBatches merges the manifests and the console's uploads, newest first. Only manifests are
// listed and read: their keys are one token, enqueue's chunk row records (<batch>.rows.<n>) more.
func (s *Server) listBatches(ctx context.Context) ([]listed, error) {
	byID := map[string]*listed{}
	uploads, err := s.store.list(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range uploads {
		byID[u.BatchID] = &listed{BatchID: u.BatchID, Source: u.Source, State: string(u.State), Rows: u.Rows, Totals: u.Totals,
			UploadedBy: u.UploadedBy, ApprovedBy: u.ApprovedBy, At: u.UploadedAt}
	}
	keys, err := s.handles.Batches.ListKeysFiltered(ctx, "*")
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, fmt.Errorf("console: list batches: %w", err)
	}
	var ids []string
	if keys != nil {
		for k := range keys.Keys() {
			ids = append(ids, k)
		}
	}
	counts, err := s.resultCounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range ids {
		e, err := s.handles.Batches.Get(ctx, k)
		if err != nil {
			continue
		}
		m, err := batch.DecodeManifest(e.Value()) // unknown versions are left out
		if err != nil {
			continue
		}
		l := byID[m.BatchID]
		if l == nil {
			l = &listed{BatchID: m.BatchID, Source: m.Source, Rows: m.Rows, Totals: m.Totals, At: m.CreatedAt}
			byID[m.BatchID] = l
		}
		l.State, l.Expected = string(m.State), m.Enqueued
		l.Results = min(counts[s.opts.Names.ResultSubject(m.BatchID)], m.Enqueued)
	}
	out := make([]listed, 0, len(byID))
	for _, l := range byID {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b listed) int { return cmp.Or(b.At.Compare(a.At), strings.Compare(a.BatchID, b.BatchID)) })
	return out, nil
}

// resultCounts is how many results the results stream holds per result subject.
func (s *Server) resultCounts(ctx context.Context) (map[string]int, error) {
	info, err := s.handles.Results.Info(ctx, jetstream.WithSubjectFilter(s.opts.Names.ResultSubjectPrefix+".>"))
	if err != nil {
		return nil, fmt.Errorf("console: results stream: %w", err)
	}
	out := make(map[string]int, len(info.State.Subjects))
	for subj, n := range info.State.Subjects {
		out[subj] = int(n)
	}
	return out, nil
}

// batchView is a batch page: its upload (if it came through the console), its manifest (once
// enqueueing started) and, while it is checked, the check of its stored file.
type batchView struct {
	ID       string
	Upload   *Upload
	Manifest *batch.Manifest
	Check    *check
	Live     *liveView
	Problem  string // the stored file no longer passes the check
}

func (s *Server) batchPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ctx, cancel := s.opContext(r)
	defer cancel()
	v := batchView{ID: id}
	up, _, err := s.store.get(ctx, id)
	switch {
	case err == nil:
		v.Upload = &up
	case !errors.Is(err, ErrUnknownUpload):
		s.natsDown(w, r, "view", id, err)
		return
	}
	m, _, err := batch.ReadManifest(ctx, s.handles.Batches, id)
	switch {
	case err == nil:
		v.Manifest = &m
	case !errors.Is(err, batch.ErrUnknownBatch):
		s.manifestFailed(w, r, "view", id, err)
		return
	}
	if v.Upload == nil && v.Manifest == nil {
		s.fail(w, r, http.StatusNotFound, "There is no batch "+id+".")
		return
	}
	if v.Upload != nil && v.Upload.State == StateChecked {
		data, err := s.store.file(ctx, id)
		if err != nil {
			s.natsDown(w, r, "view", id, err)
			return
		}
		in := memInput(up.Source, data)
		plan, err := batch.ValidateInput(in, id, s.opts.MaxErrors, s.opts.Limit)
		var c check
		if err == nil {
			c, err = newCheck(in, plan)
		}
		if err != nil { // valid at upload: only a card that expired since makes it invalid
			v.Problem = "The stored file no longer passes the check (" + job.MaskText(err.Error()) + "); reject it and upload a corrected file."
		} else {
			v.Check = &c
		}
	}
	if v.Manifest != nil {
		lv, err := s.live(ctx, id)
		if err != nil {
			s.natsDown(w, r, "view", id, err)
			return
		}
		v.Live = &lv
	}
	s.render(w, r, http.StatusOK, "batch", page{Title: "Batch " + id, Data: v})
}

// reportName is the report file's name for a batch and format.
func reportName(id string, f batch.ReportFormat) string {
	if f == batch.ReportExcel {
		return id + "-report-excel.csv"
	}
	return id + "-report.csv"
}

// report serves the batch's results report, the same formats as `enqueue --report` (?format=csv
// or excel, &delimiter=; for excel). The console does not keep the batch file after enqueue, so
// the rows are the results, by client_orderid, without the input's line and names; reportWithFile
// gives the report in file order.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	s.writeReport(w, r, nil, "")
}

// reportWithFile is the report in the order and with the lines and names of the batch's file,
// which the user uploads again: its SHA-256 must be the manifest's.
func (s *Server) reportWithFile(w http.ResponseWriter, r *http.Request) {
	data, name, ok := s.readFile(w, r)
	if ok {
		s.writeReport(w, r, data, name)
	}
}

func (s *Server) writeReport(w http.ResponseWriter, r *http.Request, file []byte, name string) {
	id := r.PathValue("id")
	format, err := batch.ParseReportFormat(cmp.Or(r.FormValue("format"), "csv"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "Unknown report format: want csv or excel.")
		return
	}
	delim := ','
	if r.FormValue("delimiter") == ";" && format == batch.ReportExcel {
		delim = ';'
	}
	ctx, cancel := s.opContext(r)
	defer cancel()
	m, _, err := batch.ReadManifest(ctx, s.handles.Batches, id)
	if errors.Is(err, batch.ErrUnknownBatch) {
		s.fail(w, r, http.StatusNotFound, "Batch "+id+" is not enqueued; it has no report.")
		return
	}
	if err != nil {
		s.manifestFailed(w, r, "report", id, err)
		return
	}
	in := memInput(m.Source, []byte("client_orderid,amount,currency\n")) // no rows: the results alone
	if file != nil {
		if sum := sha256.Sum256(file); hex.EncodeToString(sum[:]) != m.SHA256 {
			s.audit(r, "report", id).Str("outcome", "wrong file").Msg("report refused: not the batch's file")
			s.fail(w, r, http.StatusUnprocessableEntity, name+" is not the file of batch "+id+" (its SHA-256 differs); choose the file that was enqueued.")
			return
		}
		in = memInput(name, file)
	}
	results, err := s.results(ctx, id)
	if err != nil {
		s.natsDown(w, r, "report", id, err)
		return
	}
	info := batch.ReportInfo{BatchID: id, Input: in, SHA256: m.SHA256,
		ReadAt: m.CreatedAt, Complete: m.State == batch.StateCompleted, Written: s.now()}
	var buf bytes.Buffer
	if err := batch.WriteReport(&buf, info, results.byID(), batch.ReportOptions{Format: format, Delimiter: delim}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, job.MaskText(err.Error()))
		return
	}
	s.audit(r, "report", id).Str("format", string(format)).Bool("with_file", file != nil).Str("outcome", "ok").Msg("report downloaded")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+reportName(id, format)+`"`)
	_, _ = w.Write(buf.Bytes())
}

// retryView is the outcome of a retry.
type retryView struct {
	ID     string
	Report batch.RetryReport
}

// retry puts back the rows of a completed batch whose ledger proves nothing was sent
// (batch.Enqueuer.Retry, as `enqueue --retry BATCH FILE`): the operator uploads the batch's file
// (or one with those rows corrected).
func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	data, name, ok := s.readFile(w, r)
	if !ok {
		return
	}
	in := memInput(name, data)
	plan, err := batch.ValidateInput(in, id, s.opts.MaxErrors, s.opts.Limit)
	var ife *batch.InvalidFileError
	if errors.As(err, &ife) {
		s.render(w, r, http.StatusUnprocessableEntity, "check", page{Title: "Errors in " + name, Data: invalidCheck(name, ife)})
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusUnprocessableEntity, "The file could not be read: "+job.MaskText(err.Error()))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), enqueueTimeout)
	defer cancel()
	en, err := s.enqueuer()
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	rep, err := en.Retry(ctx, in, plan)
	if errors.Is(err, batch.ErrBatchRunning) || errors.Is(err, batch.ErrUnknownBatch) {
		s.audit(r, "retry", id).Str("outcome", "refused").Err(err).Msg("retry refused")
		s.fail(w, r, http.StatusConflict, err.Error())
		return
	}
	if err != nil {
		s.natsDown(w, r, "retry", id, err)
		return
	}
	s.audit(r, "retry", id).Int("put_back", len(rep.PutBack)).Int("refused", len(rep.Refused)).Str("outcome", "ok").Msg("never-sent rows put back")
	s.render(w, r, http.StatusOK, "retry", page{Title: "Retry of " + id, Data: retryView{ID: id, Report: rep}})
}
