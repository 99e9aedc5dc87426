package main

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
)

// Defaults of the built-in sandbox gateway (used when the gateway keys are empty).
const (
	sandboxLogin    = "payrun-sandbox"
	sandboxEndpoint = "1"
)

// startSandbox starts pkg/sandbox on a free loopback port with a freshly generated key pair
// (kept in memory) and points cfg's gateway at it (its not-found code preset). processingPolls is how many status answers
// say "processing" before the final one.
func startSandbox(cfg *config.Config, processingPolls int) (*sandbox.Server, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, signer.MinKeyBits)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: generate key: %w", err)
	}
	g := &cfg.Gateway
	if g.Login == "" {
		g.Login = sandboxLogin
	}
	if g.EndpointID == "" && g.EndpointGroupID == "" {
		g.EndpointID = sandboxEndpoint
	}
	if len(g.NotFoundCodes) == 0 {
		// The sandbox documents its answer for an unknown order.
		g.NotFoundCodes = []string{sandbox.NotFoundCode}
	}
	srv, err := sandbox.Start("127.0.0.1:0", sandbox.Options{
		PublicKey:       &key.PublicKey,
		Login:           g.Login,
		ControlKey:      g.ControlKey,
		ProcessingPolls: processingPolls,
	})
	if err != nil {
		return nil, nil, err
	}
	g.URL, g.PrivateKeyFile = srv.URL(), ""
	return srv, key, nil
}
