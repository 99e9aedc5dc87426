package stack

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"path/filepath"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/sandbox"
	"github.com/payrun/payrun/pkg/signer"
)

// Defaults of the built-in sandbox gateway (used when the gateway keys are empty).
const (
	sandboxLogin    = "payrun-sandbox"
	sandboxEndpoint = "1"
	sandboxDir      = "sandbox" // below worker.store_dir: the key and the orders
)

// startSandbox starts pkg/sandbox on a free loopback port and points cfg's gateway at it (its
// not-found code preset).
// processingPolls is how many status answers say "processing" before the final one. Without a
// store directory the key pair is generated and kept in memory; with worker.store_dir the key
// and the committed orders are kept in its sandbox/ subdirectory, so a restarted worker signs
// with the same key and the sandbox still knows the orders the ledger points to (the first
// start says created=true).
func startSandbox(cfg *config.Config, processingPolls int) (srv *sandbox.Server, key *rsa.PrivateKey, created bool, err error) {
	var storeFile string
	if dir := cfg.Worker.StoreDir; dir != "" {
		key, created, err = sandbox.LoadOrCreateKey(filepath.Join(dir, sandboxDir, "merchant-key.pem"))
		storeFile = filepath.Join(dir, sandboxDir, "orders.jsonl")
	} else {
		created = true
		key, err = rsa.GenerateKey(rand.Reader, signer.MinKeyBits)
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("sandbox: key: %w", err)
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
	srv, err = sandbox.Start("127.0.0.1:0", sandbox.Options{
		PublicKey:       &key.PublicKey,
		Login:           g.Login,
		ControlKey:      g.ControlKey,
		ProcessingPolls: processingPolls,
		StoreFile:       storeFile,
	})
	if err != nil {
		return nil, nil, false, err
	}
	g.URL, g.PrivateKeyFile = srv.URL(), ""
	return srv, key, created, nil
}
