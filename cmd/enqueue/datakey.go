package main

import (
	"fmt"
	"io"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/seal"
)

// loadDataKeys reads security.data_key_file, whose first key seals every job's card and account
// numbers. Without one the jobs carry them in clear: said loudly (when warn: something will be
// published) unless security.allow_cleartext_jobs says the operator chose that.
func loadDataKeys(cfg config.Config, stderr io.Writer, warn bool) (job.Sealer, error) {
	if cfg.Security.DataKeyFile == "" {
		if warn && !cfg.Security.AllowCleartextJobs {
			fmt.Fprintln(stderr, "WARNING: no data key (security.data_key_file, PAYRUN_DATA_KEY_FILE): the job stream will hold card and account numbers in clear (docs/security.md)")
		}
		return nil, nil
	}
	k, err := seal.LoadFile(cfg.Security.DataKeyFile)
	if err != nil {
		return nil, &config.FieldError{Key: "security.data_key_file", Env: config.EnvName("security.data_key_file"), Reason: err.Error()}
	}
	return k, nil
}
