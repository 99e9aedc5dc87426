package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// A sandbox restarted on the same StoreFile knows the orders it committed (their ids, statuses
// and polls), keeps numbering after them and never repeats a serial number; a record cut short
// by a crash is dropped, a garbled one is refused.
func TestStoreFileSurvivesRestart(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "orders.jsonl")
	withStore := func(o *sandbox.Options) { o.StoreFile, o.ProcessingPolls = file, 1 }

	first := start(t, withStore)
	a := first.payout("keep-1", "0987654321")
	id1 := a.form["paynet-order-id"]
	if s := first.status("client_orderid", "keep-1").form["status"]; s != "processing" {
		t.Fatalf("first poll: %q", s)
	}
	serials := map[string]bool{a.form["serial-number"]: true}
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of a write leaves a partial last line.
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"op":"order","id":"99`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	second := start(t, withStore)
	s := second.status("client_orderid", "keep-1")
	if s.form["status"] != "declined" || s.form["paynet-order-id"] != id1 {
		t.Fatalf("after restart: %q (want the same order, now final)", s.body)
	}
	b := second.payout("keep-2", "1234567890")
	if b.form["paynet-order-id"] == id1 || b.form["paynet-order-id"] == "" {
		t.Errorf("new order id %q repeats or is empty (first was %s)", b.form["paynet-order-id"], id1)
	}
	for _, sn := range []string{s.form["serial-number"], b.form["serial-number"]} {
		if serials[sn] {
			t.Errorf("serial number %s handed out twice", sn)
		}
		serials[sn] = true
	}

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, pub := signertest.Key(t)
	if _, err := sandbox.New(sandbox.Options{PublicKey: pub, Login: login, StoreFile: bad}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("garbled store: %v", err)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "merchant.pem")
	k1, created, err := sandbox.LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("first: created %v, %v", created, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", fi, err)
	}
	k2, created, err := sandbox.LoadOrCreateKey(path)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("second: created %v, same key %v, %v", created, k1.Equal(k2), err)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sandbox.LoadOrCreateKey(path); err == nil {
		t.Error("a garbled key file was replaced or accepted")
	}
}
