package signer

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
)

// Compare BenchmarkSignN with BenchmarkBareRSAN from the same run: the Sign overhead over the
// bare RSA operation (encoding, sorting, base string, SHA-256, base64/hex, header, nonce from
// crypto/rand) is the ratio of their ns/op. docs/signing.md lists measured numbers.

var benchParams = []Param{
	{"client_orderid", "nov-2026/emp:0042"}, {"amount", "1500.00"}, {"currency", "EUR"},
	{"account_number", "DE89 3704 0044 0532 0130 00"}, {"account_name", "Zoë O'Brien-Müller"},
	{"order_desc", "Payroll Nov 2026 — bonus & tips (50%) a+b=c *~!"},
	{"receiver_email", "zoe+payroll@example.com"}, {"server_callback_url", "https://merchant.example/cb?x=1"},
}

const benchURL = "https://sandbox.connpay.com/paynet/api/v4/payout/39915"

func benchKey(b *testing.B, path string) *rsa.PrivateKey {
	b.Helper()
	k, err := ParsePrivateKey(mustRead(path))
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

func BenchmarkSign2048(b *testing.B)    { benchSign(b, benchKey(b, "testdata/test-rsa2048.pem")) }
func BenchmarkBareRSA2048(b *testing.B) { benchBareRSA(b, benchKey(b, "testdata/test-rsa2048.pem")) }
func BenchmarkSign4096(b *testing.B)    { benchSign(b, benchKey(b, "testdata/test-rsa4096.pem")) }
func BenchmarkBareRSA4096(b *testing.B) { benchBareRSA(b, benchKey(b, "testdata/test-rsa4096.pem")) }

// BenchmarkSignParallel shows that one Signer scales across goroutines (no shared lock).
func BenchmarkSignParallel2048(b *testing.B) {
	s, err := New(benchKey(b, "testdata/test-rsa2048.pem"), "TestMerchant")
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
