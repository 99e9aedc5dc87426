package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/queue/queuetest"
)

// Invariant 6 (every row validation accepts can be published and paid): a row whose job would be
// larger than the stream stores is refused by the dry run (against the configured
// streams.max_msg_size, which the dry run says it used) and by the real run, with its line,
// column and both sizes; nothing is enqueued. The amount the gateway cannot take in 11 characters
// is accepted and said to be valid only when its shortest form fits.
func TestCLIJobTooLargeForTheStream(t *testing.T) {
	t.Parallel()
	srv, _, _ := queuetest.Start(t)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.csv")
	content := "client_orderid,amount,currency,account_number,merchant_data\n" +
		"small-1,10000000.00,IDR,1234567890,ok\n" +
		fmt.Sprintf("big-1,10.00,USD,1234567890,%s\n", strings.Repeat("a", 65536))
	if err := os.WriteFile(big, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	wantErr := big + ":3:28: merchant_data: the job would be "
	dry := enqueue(t, nil, "", "--dry-run", big)
	dry.expect(t, 3, nil, []string{wantErr, " bytes; the configured streams.max_msg_size allows 65536", "nothing enqueued"})
	r := enqueue(t, natsEnv(srv), "", big)
	r.expect(t, 3, nil, []string{wantErr, "nothing enqueued"})

	small := filepath.Join(dir, "small.csv")
	if err := os.WriteFile(small, []byte(strings.SplitAfterN(content, "\n", 3)[0]+strings.SplitAfterN(content, "\n", 3)[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	dry = enqueue(t, nil, "", "--dry-run", small)
	dry.expect(t, 0, []string{"the configured streams.max_msg_size (the dry run does not ask NATS", "dry run: valid"}, nil)
}
