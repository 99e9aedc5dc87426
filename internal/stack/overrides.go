package stack

import "github.com/payrun/payrun/pkg/config"

// Overrides are the worker's command-line settings (--embedded, --store-dir, --sandbox), which
// take precedence over the configuration file and the environment. A nil field was not given.
type Overrides struct {
	Embedded *bool   // worker.embedded
	StoreDir *string // worker.store_dir
	Sandbox  *bool   // worker.sandbox
}

// Apply returns cfg with the overrides set. A non-empty store directory implies an embedded
// server (worker.embedded) unless Embedded was given too: the directory is only the embedded
// server's. Errors about a key set here name its flag (config.Config.SetByFlag).
func (o Overrides) Apply(cfg config.Config) config.Config {
	if o.Embedded != nil {
		cfg.Worker.Embedded = *o.Embedded
		cfg.SetByFlag("worker.embedded", "--embedded")
	}
	if o.StoreDir != nil {
		cfg.Worker.StoreDir = *o.StoreDir
		cfg.SetByFlag("worker.store_dir", "--store-dir")
		if *o.StoreDir != "" && o.Embedded == nil {
			cfg.Worker.Embedded = true
			cfg.SetByFlag("worker.embedded", "--store-dir")
		}
	}
	if o.Sandbox != nil {
		cfg.Worker.Sandbox = *o.Sandbox
		cfg.SetByFlag("worker.sandbox", "--sandbox")
	}
	return cfg
}
