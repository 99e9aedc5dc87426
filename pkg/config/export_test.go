package config

// WithoutOrigins is c without the record of where Parse found each value, for comparing
// parsed configurations with built ones.
func WithoutOrigins(c Config) Config {
	c.from = nil
	return c
}
