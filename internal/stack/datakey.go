package stack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/queue"
	"github.com/payrun/payrun/pkg/seal"
)

// sandboxKeyName is the sandbox's generated data key file in its store directory.
const sandboxKeyName = "sandbox-data.key"

// dataKeys is the keyring the worker opens sealed job parameters with (nil: cleartext jobs only,
// allowed by security.allow_cleartext_jobs) and what to remove at exit.
type dataKeys struct {
	keys     *seal.Keyring
	operator bool   // from security.data_key_file (not generated for the sandbox)
	tempDir  string // a generated sandbox key's directory
}

// loadDataKeys reads security.data_key_file; without one, the sandbox generates a key file (in
// worker.store_dir when set, so a restarted sandbox still opens its jobs; else in a temporary
// directory) and cfg names it for the log and for enqueue; a real gateway runs without one only
// with security.allow_cleartext_jobs (CheckConfig), loudly.
func loadDataKeys(cfg *config.Config, log zerolog.Logger) (dataKeys, error) {
	if cfg.Security.DataKeyFile != "" {
		k, err := seal.LoadFile(cfg.Security.DataKeyFile)
		if err != nil {
			return dataKeys{}, cfg.KeyError("security.data_key_file", "%v", err)
		}
		log.Info().Str("file", cfg.Security.DataKeyFile).Strs("key_ids", k.IDs()).Str("sealing_key", k.PrimaryID()).Msg("data keys loaded")
		return dataKeys{keys: k, operator: true}, nil
	}
	if !cfg.Worker.Sandbox {
		log.Warn().Msg("NO DATA KEY: security.allow_cleartext_jobs is set, job messages may hold card and account numbers in clear (docs/security.md)")
		return dataKeys{}, nil
	}
	dir, temp := cfg.Worker.StoreDir, ""
	if dir == "" {
		d, err := os.MkdirTemp("", "payrun-sandbox-key-*")
		if err != nil {
			return dataKeys{}, fmt.Errorf("sandbox data key: %w", err)
		}
		dir, temp = d, d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return dataKeys{}, fmt.Errorf("sandbox data key: %w", err)
	}
	path := filepath.Join(dir, sandboxKeyName)
	if err := seal.GenerateFile(path, "sandbox"); err != nil && !errors.Is(err, fs.ErrExist) {
		removeDir(temp)
		return dataKeys{}, fmt.Errorf("sandbox data key: %w", err)
	}
	k, err := seal.LoadFile(path)
	if err != nil {
		removeDir(temp)
		return dataKeys{}, fmt.Errorf("sandbox data key: %w", err)
	}
	cfg.Security.DataKeyFile = path
	log.Info().Str("file", path).Msg("sandbox: data key file generated; enqueue with PAYRUN_DATA_KEY_FILE set to it so the jobs are sealed")
	return dataKeys{keys: k, tempDir: temp}, nil
}

// storeKeys derives the embedded server's store keys from an operator's data key file (not from
// a sandbox key kept next to the store, which would protect nothing).
func (d dataKeys) storeKeys(eo *queue.EmbeddedOptions) error {
	if !d.operator {
		return nil
	}
	cur, prev, err := d.keys.Derive(queue.StoreKeyInfo)
	if err != nil {
		return err
	}
	eo.StoreKey, eo.PreviousStoreKey = cur, prev
	return nil
}

func (d dataKeys) close() { removeDir(d.tempDir) }

func removeDir(dir string) {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

// openerOf is k as a job.Opener, nil (not a typed nil) without a keyring.
func openerOf(k *seal.Keyring) job.Opener {
	if k == nil {
		return nil
	}
	return k
}
