package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/batch"
)

// enqueueTimeout bounds one enqueue run started from the console (it goes on if the browser
// leaves; an interrupted run is completed by "enqueue again", without duplicates).
const enqueueTimeout = 10 * time.Minute

// refusal is a state change that is not allowed; its message is for people.
type refusal struct {
	status int
	msg    string
}

func (e *refusal) Error() string { return e.msg }

// approve: approvals on, a second user (not the uploader) with the approver role licenses the
// enqueue; then it runs.
func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	s.license(w, r, "approve", func(up *Upload) error {
		if s.opts.Approvals && up.UploadedBy == u.Name {
			return &refusal{http.StatusForbidden, "Four eyes: a batch must be approved by someone other than the person who uploaded it."}
		}
		up.FourEyes = s.opts.Approvals
		return nil
	})
}

// release: approvals off, the uploader licenses the enqueue of their own upload.
func (s *Server) release(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	s.license(w, r, "release", func(up *Upload) error {
		if s.opts.Approvals {
			return &refusal{http.StatusForbidden, "Approvals are on (console.approvals): another user with the approver role must approve this batch."}
		}
		if up.UploadedBy != u.Name {
			return &refusal{http.StatusForbidden, "Only the person who uploaded a batch releases it."}
		}
		return nil
	})
}

// license moves a checked upload to approved (compare-and-set: of two users acting at once
// only one wins) when allow says so, then enqueues it.
func (s *Server) license(w http.ResponseWriter, r *http.Request, action string, allow func(*Upload) error) {
	id := r.PathValue("id")
	ctx, cancel := s.opContext(r)
	defer cancel()
	_, err := s.store.update(ctx, id, func(up *Upload) error {
		if up.State != StateChecked {
			return &refusal{http.StatusConflict, fmt.Sprintf("This batch is %s; only a checked batch can be approved or released.", up.State)}
		}
		if err := allow(up); err != nil {
			return err
		}
		up.State, up.ApprovedBy, up.ApprovedAt = StateApproved, userOf(r).Name, s.now().UTC()
		return nil
	})
	if !s.changeFailed(w, r, action, id, err) {
		s.audit(r, action, id).Str("outcome", "approved").Msg("enqueue licensed")
		s.enqueue(w, r, id)
	}
}

// changeFailed answers a refused or failed record change; false when err is nil.
func (s *Server) changeFailed(w http.ResponseWriter, r *http.Request, action, id string, err error) bool {
	var ref *refusal
	switch {
	case err == nil:
		return false
	case errors.As(err, &ref):
		s.audit(r, action, id).Str("outcome", "refused").Str("reason", ref.msg).Msg("action refused")
		s.fail(w, r, ref.status, ref.msg)
	case errors.Is(err, ErrUnknownUpload):
		s.audit(r, action, id).Str("outcome", "unknown batch").Msg("action refused")
		s.fail(w, r, http.StatusNotFound, "No batch "+id+" was uploaded to this console.")
	default:
		s.natsDown(w, r, action, id, err)
	}
	return true
}

// reject records who rejected a checked upload and why, and deletes its file. An approver may
// reject any upload, the uploader their own.
func (s *Server) reject(w http.ResponseWriter, r *http.Request) {
	id, u := r.PathValue("id"), userOf(r)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	ctx, cancel := s.opContext(r)
	defer cancel()
	_, err := s.store.update(ctx, id, func(up *Upload) error {
		switch {
		case !u.Has(RoleApprover) && up.UploadedBy != u.Name:
			return &refusal{http.StatusForbidden, "You need the approver role to reject another user's batch."}
		case up.State != StateChecked:
			return &refusal{http.StatusConflict, fmt.Sprintf("This batch is %s; only a checked batch can be rejected.", up.State)}
		case reason == "":
			return &refusal{http.StatusBadRequest, "Say why the batch is rejected."}
		}
		up.State, up.RejectedBy, up.RejectedAt, up.RejectReason = StateRejected, u.Name, s.now().UTC(), truncate(reason, 500)
		return nil
	})
	if s.changeFailed(w, r, "reject", id, err) {
		return
	}
	s.audit(r, "reject", id).Str("reason", truncate(reason, 500)).Str("outcome", "rejected").Msg("batch rejected")
	if err := s.store.dropFile(ctx, id); err != nil {
		s.audit(r, "reject", id).Err(err).Msg("the rejected file could not be deleted yet")
	}
	http.Redirect(w, r, "/batches/"+id, http.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// resumeEnqueue runs the enqueue of an approved batch again (after NATS was down, say): safe,
// pkg/batch completes it without duplicates. An approver, or the submitter who released it.
func (s *Server) resumeEnqueue(w http.ResponseWriter, r *http.Request) {
	id, u := r.PathValue("id"), userOf(r)
	ctx, cancel := s.opContext(r)
	defer cancel()
	up, _, err := s.store.get(ctx, id)
	if err == nil && !u.Has(RoleApprover) && (!u.Has(RoleSubmitter) || up.ApprovedBy != u.Name) {
		err = &refusal{http.StatusForbidden, "You need the approver role, or to have released this batch, to enqueue it."}
	}
	if err == nil && up.State != StateApproved {
		err = &refusal{http.StatusConflict, fmt.Sprintf("This batch is %s; only an approved batch is enqueued.", up.State)}
	}
	if !s.changeFailed(w, r, "enqueue", id, err) {
		s.enqueue(w, r, id)
	}
}

// enqueue publishes an approved upload through pkg/batch (the same entry point as the enqueue
// command: the jobs are checked against the stream's real size limit, published exactly once,
// and sealed with Options.Keys when set), then records it enqueued and deletes the
// file. The file's SHA-256 must still be the approved one.
func (s *Server) enqueue(w http.ResponseWriter, r *http.Request, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), enqueueTimeout)
	defer cancel()
	rep, err := s.runEnqueue(ctx, id)
	if err != nil {
		s.audit(r, "enqueue", id).Str("outcome", "failed").Err(err).Msg("enqueue failed; it can be run again")
		_, _ = s.store.update(ctx, id, func(up *Upload) error { up.LastError = err.Error(); return nil })
		s.fail(w, r, http.StatusServiceUnavailable, "The batch is approved but could not be enqueued: "+err.Error()+
			". Nothing is lost: use \"Enqueue again\" on the batch page.")
		return
	}
	s.audit(r, "enqueue", id).Str("outcome", "enqueued").Int("enqueued", rep.Enqueued).Int("duplicates", rep.Duplicates).Msg("batch enqueued")
	http.Redirect(w, r, "/batches/"+id, http.StatusSeeOther)
}

func (s *Server) runEnqueue(ctx context.Context, id string) (batch.Report, error) {
	up, _, err := s.store.get(ctx, id)
	if err != nil {
		return batch.Report{}, err
	}
	if up.State != StateApproved {
		return batch.Report{}, fmt.Errorf("console: enqueue %s: state %s, want approved", id, up.State)
	}
	data, err := s.store.file(ctx, id)
	if err != nil {
		return batch.Report{}, err
	}
	en, err := s.enqueuer()
	if err != nil {
		return batch.Report{}, err
	}
	limit, err := en.JobLimit(ctx)
	if err != nil {
		return batch.Report{}, err
	}
	in := memInput(up.Source, data)
	plan, err := batch.ValidateInput(in, id, s.opts.MaxErrors, limit)
	if err != nil {
		return batch.Report{}, err
	}
	if plan.SHA256 != up.SHA256 {
		return batch.Report{}, fmt.Errorf("console: enqueue %s: the stored file's sha256 %s is not the approved %s; nothing enqueued", id, plan.SHA256, up.SHA256)
	}
	rep, err := en.Enqueue(ctx, in, plan)
	if err != nil {
		return rep, err
	}
	if _, err := s.store.update(ctx, id, func(up *Upload) error {
		up.State, up.EnqueuedAt, up.Enqueued, up.Duplicates, up.LastError = StateEnqueued, s.now().UTC(), rep.Enqueued, rep.Duplicates, ""
		return nil
	}); err != nil {
		return rep, err
	}
	return rep, s.store.dropFile(ctx, id)
}

// enqueuer is pkg/batch's Enqueuer with the configured chunking.
func (s *Server) enqueuer() (*batch.Enqueuer, error) {
	o := batch.Options{Names: s.opts.Names, ChunkSize: s.opts.ChunkSize, Window: s.opts.Window, Log: s.opts.Audit}
	if s.opts.Keys != nil {
		o.Seal = s.opts.Keys
	}
	return batch.New(s.js, s.handles, o)
}
