// Package testbin builds the real binaries that CLI tests run, each package and build-tag set
// once per test process, into one temporary directory.
//
// A test package declares one Set and removes its directory when its tests end:
//
//	var bins testbin.Set
//
//	func TestMain(m *testing.M) { code := m.Run(); bins.Cleanup(); os.Exit(code) }
//
// The binaries are built without -race to keep them fast; the race detector still covers the
// test process itself.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Set is the binaries one test process built. The zero value is ready; it is safe for
// concurrent use.
type Set struct {
	mu   sync.Mutex
	dir  string
	bins map[string]string // "pkg tags" -> path
}

// Build returns the path of the binary built from pkg (a package path relative to the test's
// directory, e.g. "." or "./internal/testnats") with the given build tags, building it on the
// first call; it fails tb when the build fails.
func (s *Set) Build(tb testing.TB, pkg string, tags ...string) string {
	tb.Helper()
	bin, err := s.build(pkg, tags...)
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

// MustBuild is Build for TestMain, before any test runs: it returns the error instead.
func (s *Set) MustBuild(pkg string, tags ...string) (string, error) { return s.build(pkg, tags...) }

func (s *Set) build(pkg string, tags ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := pkg + " " + strings.Join(tags, ",")
	if bin, ok := s.bins[key]; ok {
		return bin, nil
	}
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "payrun-test-bin-*")
		if err != nil {
			return "", fmt.Errorf("testbin: %w", err)
		}
		s.dir, s.bins = dir, map[string]string{}
	}
	bin := filepath.Join(s.dir, fmt.Sprintf("bin%d", len(s.bins)))
	args := []string{"build", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	if out, err := exec.Command("go", append(args, pkg)...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("testbin: go build %s (tags %v): %w\n%s", pkg, tags, err, out)
	}
	s.bins[key] = bin
	return bin, nil
}

// Cleanup removes every binary built.
func (s *Set) Cleanup() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir, s.bins = "", nil
	}
}
