package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/payrun/payrun/internal/textdist"
)

// Load returns Default(), overridden by the YAML file at path (if path is not empty) and then by
// the PAYRUN_* variables in environ (os.Environ() form), validated. Every problem is reported:
// unknown keys with their line, bad values and failed rules as *FieldError.
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
	if err := decodeYAML(data, source, &cfg); err != nil {
		return Config{}, err
	}
	if err := applyEnv(&cfg, environ, from); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, from.name(err)
	}
	return cfg, nil
}

func decodeYAML(data []byte, source string, cfg *Config) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if source == "" {
		source = "config"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, source, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%w: %s:%d: the top level must be a mapping of sections (nats:, worker:, ...)", ErrInvalid, source, root.Line)
	}
	var errs []error
	checkKeys(root, reflect.TypeFor[Config](), "", source, &errs)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a safety net behind checkKeys
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, source, err)
	}
	return nil
}

// checkKeys reports every key of a mapping node that the struct type t does not have, with its
// full path and line, and a suggestion for a near miss.
func checkKeys(n *yaml.Node, t reflect.Type, prefix, source string, errs *[]error) {
	if n.Kind != yaml.MappingNode {
		return // a wrong shape is reported by the decoder with its line
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var names []string
		found := false
		for j := range t.NumField() {
			f := t.Field(j)
			name := f.Tag.Get("yaml")
			names = append(names, name)
			if name != k.Value {
				continue
			}
			found = true
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				checkKeys(v, f.Type, prefix+name+".", source, errs)
			}
		}
		if !found {
			reason := fmt.Sprintf("%s:%d: unknown key %q", source, k.Line, prefix+k.Value)
			if s := suggest(k.Value, names); s != "" {
				reason += fmt.Sprintf(" (did you mean %q?)", prefix+s)
			}
			*errs = append(*errs, fmt.Errorf("%w: config: %s", ErrInvalid, reason))
		}
	}
}

// suggest returns the candidate closest to s by edit distance, if it is close enough.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := textdist.Levenshtein(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
