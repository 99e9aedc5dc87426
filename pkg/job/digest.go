package job

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// ContentDigestPrefix starts every ContentDigest (its scheme and version).
const ContentDigestPrefix = "sha256-v1:"

// ContentDigest is a digest of what the gateway would receive for j in batch batchID: the batch
// id, the client_orderid and every payout parameter (PayoutParams: amount in its shortest exact
// form, currency, destination, in order), each length-prefixed, in clear. enqueue stores it in
// the row's client_orderid reservation before the job is sealed (sealing uses random nonces, so
// sealed messages of the same row differ); the worker computes it from the opened job before any
// payout request and sends only a job whose digest matches. The row's line is not part of it.
func ContentDigest(batchID string, j Job) string {
	h := sha256.New()
	var b []byte
	put := func(s string) {
		b = binary.AppendUvarint(b[:0], uint64(len(s)))
		h.Write(b)
		h.Write([]byte(s))
	}
	put("payrun/job-content/v1")
	put(batchID)
	put(j.ClientOrderID)
	for _, p := range j.PayoutParams() {
		put(p.Name)
		put(p.Value)
	}
	return ContentDigestPrefix + hex.EncodeToString(h.Sum(nil))
}
