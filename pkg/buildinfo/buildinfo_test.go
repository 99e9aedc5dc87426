package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		bi   debug.BuildInfo
		want Info
	}{
		{"tagged, clean", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-01T12:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			Info{"v1.2.3", "abc123", "2026-12-01T12:00:00Z", "go1.26.8"}},
		{"dirty tree", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}},
			Info{"(devel)", "abc123-dirty", "unknown", "go1.26.8"}},
		{"no vcs (go test, go run)", debug.BuildInfo{GoVersion: "go1.26.8"}, Info{"unknown", "unknown", "unknown", "go1.26.8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fromBuildInfo(&tc.bi); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCollector(t *testing.T) {
	t.Parallel()
	i := Info{"v1.2.3", "abc123", "t", "go1.26.8"}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(i.Collector())
	want := `# HELP payrun_build_info Always 1; the labels say which build is running.
# TYPE payrun_build_info gauge
payrun_build_info{goversion="go1.26.8",revision="abc123",version="v1.2.3"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if s := i.String("payrun-worker"); s != "payrun-worker v1.2.3 (revision abc123, t, go1.26.8)" {
		t.Errorf("String: %q", s)
	}
}
