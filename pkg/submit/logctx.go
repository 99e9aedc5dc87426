package submit

import "context"

type batchKey struct{}

// WithBatch returns ctx carrying the batch a call belongs to; the client writes it as "batch" on
// the call's log lines, beside client_orderid.
func WithBatch(ctx context.Context, batch string) context.Context {
	return context.WithValue(ctx, batchKey{}, batch)
}

// batchOf is the batch WithBatch put in ctx, or "".
func batchOf(ctx context.Context) string {
	b, _ := ctx.Value(batchKey{}).(string)
	return b
}
