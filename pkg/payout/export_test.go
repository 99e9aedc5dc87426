package payout

import (
	"crypto/rsa"
	"testing"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/signer/signertest"
)

// Internals for the external test package payout_test, whose tests import packages (pkg/batch)
// that import this one.

func SigningKey(t testing.TB) *rsa.PrivateKey { k, _ := signertest.Key(t); return k }
func SandboxGateway(t testing.TB, k *rsa.PrivateKey, u string) Gateway {
	return sandboxGateway(t, k, u)
}
func JobBytes(t testing.TB, batch string, j job.Job) []byte { return jobBytes(t, batch, j) }

// DecodeJobParams decodes a job message as a delivery does and returns what would be sent.
func DecodeJobParams(data []byte) ([]job.Param, error) {
	v, err := decodeJob(data, nil)
	if err != nil {
		return nil, err
	}
	return v.params(nil)
}

// ResultOf is the result message the worker publishes for the job message data and entry e.
func ResultOf(data []byte, e *Entry) ([]byte, error) {
	v, err := decodeJob(data, nil)
	if err != nil {
		return nil, err
	}
	return buildResult(v, e)
}

const SandboxLogin = sandboxLogin
