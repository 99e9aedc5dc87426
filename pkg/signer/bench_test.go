package signer

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"github.com/payrun/payrun/pkg/signer/signertest"
	"slices"
	"testing"
	"time"
)

// Compare BenchmarkSignN with BenchmarkBareRSAN from the same run: the Sign overhead over the
// bare RSA operation (encoding, sorting, base string, SHA-256, base64/hex, header, nonce from
// crypto/rand) is the ratio of their ns/op. On a shared, noisy machine BenchmarkSignVsBareN is
// the reliable figure: it interleaves both operations in one loop and reports the ratio.
// docs/signing.md lists measured numbers.

var benchParams = []Param{
	{"client_orderid", "nov-2026/emp:0042"}, {"amount", "1500.00"}, {"currency", "EUR"},
	{"account_number", "DE89 3704 0044 0532 0130 00"}, {"account_name", "Zoë O'Brien-Müller"},
	{"order_desc", "Payroll Nov 2026 — bonus & tips (50%) a+b=c *~!"},
	{"receiver_email", "zoe+payroll@example.com"}, {"server_callback_url", "https://merchant.example/cb?x=1"},
}

const benchURL = "https://sandbox.connpay.com/paynet/api/v4/payout/39915"

func benchKey(b *testing.B, pemBytes []byte) *rsa.PrivateKey {
	b.Helper()
	k, err := ParsePrivateKey(pemBytes)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

func benchSign(b *testing.B, key *rsa.PrivateKey) {
	s, err := New(key, "TestMerchant")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign("POST", benchURL, benchParams); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
}

func benchBareRSA(b *testing.B, key *rsa.PrivateKey) {
	key.Precompute()
	digest := sha256.Sum256([]byte(benchURL))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
}

func BenchmarkSign2048(b *testing.B)    { benchSign(b, benchKey(b, signertest.PrivateKeyPEM())) }
func BenchmarkBareRSA2048(b *testing.B) { benchBareRSA(b, benchKey(b, signertest.PrivateKeyPEM())) }
func BenchmarkSign4096(b *testing.B) {
	benchSign(b, benchKey(b, mustRead("testdata/test-rsa4096.pem")))
}
func BenchmarkBareRSA4096(b *testing.B) {
	benchBareRSA(b, benchKey(b, mustRead("testdata/test-rsa4096.pem")))
}

// BenchmarkSignParallel shows that one Signer scales across goroutines (no shared lock).
func BenchmarkSignParallel2048(b *testing.B) {
	s, err := New(benchKey(b, signertest.PrivateKeyPEM()), "TestMerchant")
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Sign("POST", benchURL, benchParams); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSignOverhead2048 is everything Sign does except the RSA operation (nonce from
// crypto/rand, clock, encoding, sorting, base string, SHA-256, base64/hex, header, body). It
// is stable on a noisy machine, where the Sign/BareRSA ratio is not: the overhead ratio is
// (BareRSA + SignOverhead) / BareRSA.
func BenchmarkSignOverhead2048(b *testing.B) {
	s, err := New(benchKey(b, signertest.PrivateKeyPEM()), "TestMerchant")
	if err != nil {
		b.Fatal(err)
	}
	sig := make([]byte, s.key.Size())
	b.ReportAllocs()
	for b.Loop() {
		nonce, err := s.nonces.Nonce()
		if err != nil {
			b.Fatal(err)
		}
		d, o, err := s.prepare("POST", benchURL, benchParams, nonce, s.clock.Now().Unix())
		if err != nil {
			b.Fatal(err)
		}
		digest := sha256.Sum256([]byte(d.SignatureBaseString))
		sig[0] = digest[0]
		finish(&d, o, sig, benchParams)
	}
}

// benchSignVsBare alternates a bare rsa.SignPKCS1v15 and a full Sign in every iteration, so
// machine load hits both alike, and reports the ratio of their median times (sign/bare; the
// median ignores load spikes) and both median rates.
func benchSignVsBare(b *testing.B, key *rsa.PrivateKey) {
	s, err := New(key, "TestMerchant")
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte(benchURL))
	var sign, bare []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := s.Sign("POST", benchURL, benchParams); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		bare = append(bare, t1.Sub(t0))
		sign = append(sign, t2.Sub(t1))
	}
	ms, mb := median(sign), median(bare)
	b.ReportMetric(float64(ms)/float64(mb), "sign/bare")
	b.ReportMetric(time.Second.Seconds()/ms.Seconds(), "signs/s")
	b.ReportMetric(time.Second.Seconds()/mb.Seconds(), "bare-signs/s")
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func BenchmarkSignVsBare2048(b *testing.B) {
	benchSignVsBare(b, benchKey(b, signertest.PrivateKeyPEM()))
}
func BenchmarkSignVsBare4096(b *testing.B) {
	benchSignVsBare(b, benchKey(b, mustRead("testdata/test-rsa4096.pem")))
}
