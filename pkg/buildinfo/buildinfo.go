// Package buildinfo says which build a binary is, from the Go toolchain's embedded build
// information (runtime/debug), for --version and the payrun_build_info metric.
package buildinfo

import (
	"fmt"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Info identifies a build. Fields the toolchain did not record are "unknown".
type Info struct {
	Version   string // module version: a tag, a pseudo-version, or "(devel)"
	Revision  string // VCS commit, with "-dirty" when the tree had changes
	Time      string // VCS commit time
	GoVersion string
}

// Read returns this binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "unknown", Revision: "unknown", Time: "unknown", GoVersion: "unknown"}
	}
	return fromBuildInfo(bi)
}

func fromBuildInfo(bi *debug.BuildInfo) Info {
	i := Info{Version: bi.Main.Version, Revision: "unknown", Time: "unknown", GoVersion: bi.GoVersion}
	if i.Version == "" {
		i.Version = "unknown"
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			i.Revision = s.Value
		case "vcs.time":
			i.Time = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && i.Revision != "unknown" {
		i.Revision += "-dirty"
	}
	return i
}

// String is the --version line of a binary: "<name> <version> (revision <rev>, <time>, <go>)".
func (i Info) String(name string) string {
	return fmt.Sprintf("%s %s (revision %s, %s, %s)", name, i.Version, i.Revision, i.Time, i.GoVersion)
}

// Collector is the payrun_build_info gauge: always 1, the build in its labels.
func (i Info) Collector() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "payrun_build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": i.Version, "revision": i.Revision, "goversion": i.GoVersion},
	})
	g.Set(1)
	return g
}
