package config

import (
	"fmt"
	"os"
)

// Load returns Default(), overridden by the YAML file at path (if path is not empty) and then by
// the PAYRUN_* variables in environ (os.Environ() form), validated. Every problem is reported:
// unknown keys and keys set twice as *LineError, bad values and failed rules as *FieldError.
func Load(path string, environ []string) (Config, error) {
	var data []byte
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
	}
	return Parse(data, path, environ)
}

// Parse is Load for YAML bytes; source names them in errors.
func Parse(data []byte, source string, environ []string) (Config, error) {
	cfg := Default()
	from := origins{}
	if err := decodeYAML(data, source, &cfg, from); err != nil {
		return Config{}, err
	}
	if err := applyEnv(&cfg, environ, from); err != nil {
		return Config{}, err
	}
	cfg.from = from
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
