package console

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

// maxShownRows bounds the rows listed on a check page (all are validated and totalled).
const maxShownRows = 500

// formOverhead is what a multipart form may add to the file: boundaries, the CSRF field.
const formOverhead = 64 << 10

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// parseUpload reads a multipart form of at most max_upload_bytes (plus the form's overhead),
// entirely in memory (a batch file holds card data: it is never spooled to disk). A larger
// request gets 413 and false.
func (s *Server) parseUpload(w http.ResponseWriter, r *http.Request) bool {
	limit := s.opts.MaxUploadBytes + formOverhead
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseMultipartForm(limit)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.audit(r, "upload", "").Str("outcome", "too large").Msg("upload refused")
		s.tooLarge(w, r)
		return false
	case err != nil:
		s.fail(w, r, http.StatusBadRequest, "The upload could not be read: "+err.Error())
		return false
	}
	return true
}

// tooLarge answers 413 for a file above console.max_upload_bytes.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("The file is larger than the %s this console accepts (console.max_upload_bytes).", sizeString(s.opts.MaxUploadBytes)))
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// readFile returns the uploaded file's bytes and its base name (400 when none was sent).
func (s *Server) readFile(w http.ResponseWriter, r *http.Request) ([]byte, string, bool) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "Choose a CSV file to upload.")
		return nil, "", false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, s.opts.MaxUploadBytes+1))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "The upload could not be read: "+err.Error())
		return nil, "", false
	}
	if int64(len(data)) > s.opts.MaxUploadBytes {
		s.tooLarge(w, r)
		return nil, "", false
	}
	name := filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
	if len(name) > 120 {
		name = name[:120]
	}
	return data, name, true
}

// memInput is a batch.Input over bytes held in memory.
func memInput(name string, data []byte) batch.Input {
	return batch.Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// row is one valid row on a check page: never a clear card or account number.
type row struct {
	Line          int
	ClientOrderID string
	Amount        string
	Currency      string
	Destination   string // job.Job.MaskedDestination
	Name          string
}

// errorRow is one validation error, its suggestion apart.
type errorRow struct {
	Line, Column int
	Key, Message string
	Suggestion   string
}

// check is a validated file as a check page shows it.
type check struct {
	Source   string
	Summary  job.Summary
	Counts   string // "3 errors in 2 rows" for an invalid file
	Errors   []errorRow
	More     int // errors counted but not listed
	Warnings []errorRow
	Rows     []row
	MoreRows int
}

func errorRows(list []*job.ValidationError) []errorRow {
	out := make([]errorRow, len(list))
	for i, ve := range list {
		msg, sg := ve.Suggestion()
		out[i] = errorRow{Line: ve.Line, Column: ve.Column, Key: ve.Key, Message: msg, Suggestion: sg}
	}
	return out
}

// invalidCheck is the check page of a file with errors.
func invalidCheck(name string, ife *batch.InvalidFileError) check {
	c := check{Source: name, Summary: ife.Summary, Counts: ife.Counts(), Warnings: errorRows(ife.Summary.Warnings)}
	if e := ife.Summary.Errors; e != nil {
		c.Errors, c.More = errorRows(e.List), e.Total-len(e.List)
	}
	return c
}

// newCheck describes a validated plan, listing its rows (masked) from the same bytes.
func newCheck(in batch.Input, p batch.Plan) (check, error) {
	c := check{Source: p.Source, Summary: p.Summary, Warnings: errorRows(p.Summary.Warnings)}
	err := p.EachRow(in, func(j job.Job) error {
		if len(c.Rows) >= maxShownRows {
			c.MoreRows++
			return nil
		}
		name := strings.TrimSpace(j.Param("receiver_first_name") + " " + j.Param("receiver_last_name"))
		if name == "" {
			name = j.Param("account_name")
		}
		c.Rows = append(c.Rows, row{Line: j.Line, ClientOrderID: j.ClientOrderID, Amount: j.Amount.String(),
			Currency: j.Amount.Currency, Destination: j.MaskedDestination(), Name: job.MaskText(name)})
		return nil
	})
	return c, err
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "upload", page{Title: "Upload a batch"})
}

// upload validates the file exactly as `enqueue --dry-run` does (pkg/batch.ValidateInput with the
// configured job size limit) and, when it is valid, keeps it and its record (checked) in NATS.
// Nothing is enqueued here.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	data, name, ok := s.readFile(w, r)
	if !ok {
		return
	}
	in := memInput(name, data)
	plan, err := batch.ValidateInput(in, "", s.opts.MaxErrors, s.opts.Limit)
	var ife *batch.InvalidFileError
	switch {
	case errors.As(err, &ife):
		s.audit(r, "upload", "").Str("file", name).Str("outcome", "invalid").Int("errors", ife.ErrorCount()).Msg("upload refused: invalid file")
		s.render(w, r, http.StatusUnprocessableEntity, "check", page{Title: "Errors in " + name, Data: invalidCheck(name, ife)})
		return
	case errors.Is(err, batch.ErrEmptyBatch):
		s.audit(r, "upload", "").Str("file", name).Str("outcome", "empty").Msg("upload refused: no rows")
		s.fail(w, r, http.StatusUnprocessableEntity, name+" has no payout rows.")
		return
	case err != nil:
		s.audit(r, "upload", "").Str("file", name).Str("outcome", "unreadable").Msg("upload refused")
		s.fail(w, r, http.StatusUnprocessableEntity, "The file could not be read: "+job.MaskText(err.Error()))
		return
	}
	u := Upload{Version: uploadVersion, BatchID: plan.BatchID, Source: name, SHA256: plan.SHA256, Size: int64(len(data)),
		Rows: plan.Summary.Valid, Totals: plan.Summary.Totals, State: StateChecked, UploadedBy: userOf(r).Name, UploadedAt: s.now().UTC()}
	ctx, cancel := s.opContext(r)
	defer cancel()
	if _, _, err := batch.ReadManifest(ctx, s.handles.Batches, plan.BatchID); err == nil {
		s.audit(r, "upload", plan.BatchID).Str("outcome", "already enqueued").Msg("the same file was enqueued before")
		http.Redirect(w, r, "/batches/"+plan.BatchID, http.StatusSeeOther)
		return
	} else if !errors.Is(err, batch.ErrUnknownBatch) {
		s.manifestFailed(w, r, "upload", plan.BatchID, err)
		return
	}
	err = s.store.create(ctx, u, data)
	switch {
	case errors.Is(err, errExists):
		s.audit(r, "upload", plan.BatchID).Str("outcome", "already uploaded").Msg("the same file is already in the console")
	case err != nil:
		s.natsDown(w, r, "upload", plan.BatchID, err)
		return
	default:
		s.audit(r, "upload", plan.BatchID).Str("file", name).Str("sha256", plan.SHA256).Int("rows", u.Rows).
			Str("totals", u.Totals.String()).Str("outcome", "checked").Msg("batch uploaded and checked; waiting for approval")
	}
	http.Redirect(w, r, "/batches/"+plan.BatchID, http.StatusSeeOther)
}

// manifestFailed answers a request whose batch manifest could not be read: one of a version this
// build does not know (job.ErrUnknownVersion, written by another payrun version) is said to be
// that; anything else is natsDown.
func (s *Server) manifestFailed(w http.ResponseWriter, r *http.Request, action, batchID string, err error) {
	if !errors.Is(err, job.ErrUnknownVersion) {
		s.natsDown(w, r, action, batchID, err)
		return
	}
	s.audit(r, action, batchID).Str("outcome", "unknown manifest version").Err(err).Msg("manifest refused")
	s.fail(w, r, http.StatusInternalServerError, "Batch "+batchID+" has a manifest this console cannot read ("+err.Error()+"): it was written by another payrun version. Nothing was changed.")
}

// natsDown answers 503 when NATS could not be reached or answered an error.
func (s *Server) natsDown(w http.ResponseWriter, r *http.Request, action, batchID string, err error) {
	s.audit(r, action, batchID).Str("outcome", "nats error").Err(err).Msg("NATS did not answer")
	s.fail(w, r, http.StatusServiceUnavailable, "The queue (NATS) is not reachable right now; nothing was changed. Try again in a minute.")
}
