// Package console is the finance web console: upload a batch file and see it checked exactly as
// `enqueue --dry-run` checks it, approve it with four eyes, follow its rows as the pool pays
// them, download its report, pause and resume the pool, and put never-sent rows back. It is UI
// only: validation, enqueue, reports, retry and pool control are pkg/job, pkg/batch and
// pkg/ratelimit, called as the CLI calls them.
//
// An uploaded file waits for approval in a JetStream object store (it holds card and account
// numbers as the file does) and is deleted as soon as the batch is enqueued or rejected; the
// upload's record (who uploaded, approved or rejected it and when, the file's SHA-256, rows and
// control totals) stays in a KV bucket under the batch id, next to the batch manifest. Nothing is
// published to the jobs stream before the record says approved (or released, with approvals
// off). See docs/console.md.
package console
