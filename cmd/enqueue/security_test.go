package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/queue/queuetest"
	"github.com/payrun/payrun/pkg/seal"
)

func writeFile(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// A client_orderid holding an account-like number, enqueued before by another batch, is reported
// masked (the in-file duplicate message always was; a card-like id is refused at validation).
func TestAlreadyEnqueuedMessageMasksAccountLikeID(t *testing.T) {
	t.Parallel()
	srv, _, _ := queuetest.Start(t)
	env := append(natsEnv(srv), "PAYRUN_SECURITY_ALLOW_CLEARTEXT_JOBS=true")
	csv := "client_orderid,amount,currency,account_number\nref-0987654321-x,10.00,USD,1234567890\n"
	a := writeFile(t, "a.csv", csv, 0o600)
	b := writeFile(t, "b.csv", csv+"other-1,1.00,USD,1234567890\n", 0o600)
	enqueue(t, env, "", "--batch", "first", a).expect(t, 0, nil, nil)
	r := enqueue(t, env, "", "--batch", "second", b)
	r.expect(t, 4, nil, []string{`client_orderid "ref-******4321-x" already enqueued by batch first`})
	if strings.Contains(r.stdout+r.stderr, "0987654321") {
		t.Errorf("output shows the card-like id:\n%s\n%s", r.stdout, r.stderr)
	}
}

// Without a data key enqueue warns that the stream will hold card data in clear (unless the
// operator opted out); a key file others can read is refused, naming the key.
func TestEnqueueDataKeyFile(t *testing.T) {
	t.Parallel()
	srv, _, _ := queuetest.Start(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "payrun.key")
	if err := seal.GenerateFile(keyFile, "k1"); err != nil {
		t.Fatal(err)
	}
	r := enqueue(t, natsEnv(srv), "", "--batch", "nokey", "testdata/good.csv")
	r.expect(t, 0, nil, []string{"WARNING: no data key", "card and account numbers in clear"})
	other := writeFile(t, "other.csv", "client_orderid,amount,currency,credit_card_number,card_printed_name,expire_month,expire_year\nk-1,1.00,USD,4111111111111111,ANN LEE,12,2099\n", 0o600)
	r = enqueue(t, append(natsEnv(srv), "PAYRUN_DATA_KEY_FILE="+keyFile), "", "--batch", "withkey", other)
	r.expect(t, 0, []string{"enqueued:   1"}, nil)
	if strings.Contains(r.stderr, "WARNING") {
		t.Errorf("warning with a key file:\n%s", r.stderr)
	}
	if err := os.Chmod(keyFile, 0o640); err != nil {
		t.Fatal(err)
	}
	r = enqueue(t, append(natsEnv(srv), "PAYRUN_DATA_KEY_FILE="+keyFile), "", "--batch", "badkey", other)
	r.expect(t, 2, nil, []string{"security.data_key_file", "group or others"})
}
