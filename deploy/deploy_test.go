// Package deploy_test checks the deployment recipes as far as this machine allows without a
// container runtime: the Dockerfile's shape, the compose file's services and the files it
// mounts, the NATS cluster config (parsed by nats-server itself), the workers' environment
// (loaded by pkg/config), Prometheus and Grafana provisioning, and the systemd unit (checked
// by systemd-analyze when it is installed). The alert rules and dashboard queries are checked
// against a real worker's /metrics by cmd/worker's ops test.
package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.yaml.in/yaml/v3"

	"github.com/payrun/payrun/pkg/config"
)

func TestDockerfile(t *testing.T) {
	t.Parallel()
	lines := instructions(t, "Dockerfile")
	var froms, users, entry []string
	cgoOff, copyFromBuild := false, false
	for _, l := range lines {
		switch word, rest, _ := strings.Cut(l, " "); strings.ToUpper(word) {
		case "FROM":
			froms = append(froms, rest)
		case "USER":
			users = append(users, rest)
		case "ENTRYPOINT":
			entry = append(entry, rest)
		case "ENV":
			cgoOff = cgoOff || strings.Contains(rest, "CGO_ENABLED=0")
		case "COPY":
			copyFromBuild = copyFromBuild || strings.HasPrefix(rest, "--from=build ")
			if !strings.HasPrefix(rest, "--from=") {
				for _, src := range strings.Fields(rest)[:len(strings.Fields(rest))-1] {
					if _, err := os.Stat(filepath.Join("..", src)); err != nil && src != "." {
						t.Errorf("COPY %s: not in the repository: %v", src, err)
					}
				}
			}
		case "RUN":
			for _, m := range regexp.MustCompile(`\./cmd/[a-z]+`).FindAllString(rest, -1) {
				if _, err := os.Stat(filepath.Join("..", m)); err != nil {
					t.Errorf("RUN builds %s, which does not exist", m)
				}
			}
		}
	}
	if len(froms) < 2 || !strings.HasSuffix(froms[0], " AS build") {
		t.Errorf("not a multi-stage build with a build stage: FROM %q", froms)
	}
	if last := froms[len(froms)-1]; !strings.Contains(last, "distroless/static") && last != "scratch" {
		t.Errorf("final stage %q is not a static base without a shell", last)
	}
	if !cgoOff || !copyFromBuild {
		t.Errorf("CGO_ENABLED=0 %v, binaries copied from the build stage %v", cgoOff, copyFromBuild)
	}
	if len(users) == 0 {
		t.Fatal("no USER: the image would run as root")
	}
	uid, _, _ := strings.Cut(users[len(users)-1], ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %q: want a numeric non-root uid", users[len(users)-1])
	}
	if len(entry) != 1 || !strings.Contains(entry[0], "payrun-worker") {
		t.Errorf("ENTRYPOINT %q", entry)
	}
}

// instructions reads a Dockerfile into one line per instruction (continuations joined,
// comments dropped).
func instructions(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		cont := strings.HasSuffix(l, "\\")
		cur.WriteString(strings.TrimSuffix(l, "\\"))
		if cont {
			cur.WriteString(" ")
			continue
		}
		out = append(out, cur.String())
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type composeFile struct {
	Services map[string]struct {
		Image           string                                `yaml:"image"`
		Build           *struct{ Context, Dockerfile string } `yaml:"build"`
		Environment     map[string]string                     `yaml:"environment"`
		EnvFile         []struct{ Path string }               `yaml:"env_file"`
		Volumes         []string                              `yaml:"volumes"`
		StopGracePeriod string                                `yaml:"stop_grace_period"`
		ReadOnly        bool                                  `yaml:"read_only"`
		CapDrop         []string                              `yaml:"cap_drop"`
		Command         []string                              `yaml:"command"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

// The compose file has the 3 NATS nodes, two hardened workers pointed at all three with
// replicated streams and a grace period above the shutdown timeout, Prometheus and Grafana; every
// file it mounts or builds from exists.
func TestCompose(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	for _, name := range []string{"nats-1", "nats-2", "nats-3", "worker-1", "worker-2", "prometheus", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no service %s", name)
		}
	}
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") && src != "./secrets" && src != "./batches" {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("%s mounts %s: %v", name, src, err)
				}
			} else if !strings.HasPrefix(src, "./") {
				if _, ok := c.Volumes[src]; !ok {
					t.Errorf("%s uses volume %s, not declared", name, src)
				}
			}
		}
		if s.Build != nil {
			if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s builds from %s: %v", name, s.Build.Dockerfile, err)
			}
		}
	}
	shutdown := config.Default().Worker.ShutdownTimeout
	for _, name := range []string{"worker-1", "worker-2"} {
		w := c.Services[name]
		if nodes := strings.Count(w.Environment["PAYRUN_NATS_URL"], "nats://nats-"); nodes != 3 {
			t.Errorf("%s knows %d NATS nodes, want 3", name, nodes)
		}
		if w.Environment["PAYRUN_STREAMS_REPLICAS"] != "3" {
			t.Errorf("%s: streams not replicated 3 times", name)
		}
		if grace, err := time.ParseDuration(w.StopGracePeriod); err != nil || grace <= shutdown {
			t.Errorf("%s: stop_grace_period %q must exceed worker.shutdown_timeout %s", name, w.StopGracePeriod, shutdown)
		}
		if !w.ReadOnly || !slices.Contains(w.CapDrop, "ALL") {
			t.Errorf("%s: read_only %v, cap_drop %v", name, w.ReadOnly, w.CapDrop)
		}
		// The environment the worker gets is one pkg/config accepts (no unknown variable).
		environ := []string{}
		for k, v := range w.Environment {
			environ = append(environ, k+"="+v)
		}
		environ = append(environ, envFile(t, "payrun.env.example")...)
		cfg, err := config.Load("../configs/payrun.yaml", environ)
		if err != nil {
			t.Fatalf("%s: its environment does not load: %v", name, err)
		}
		if cfg.Streams.Replicas != 3 || cfg.HTTPAddr != ":8080" {
			t.Errorf("%s: replicas %d, http_addr %q", name, cfg.Streams.Replicas, cfg.HTTPAddr)
		}
		// A worker against a real gateway refuses to start without the key that seals card data.
		if cfg.Security.DataKeyFile == "" || cfg.Security.AllowCleartextJobs {
			t.Errorf("%s: data key file %q, cleartext allowed %v", name, cfg.Security.DataKeyFile, cfg.Security.AllowCleartextJobs)
		}
	}
}

func envFile(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// nats-server itself parses the cluster config: JetStream with sync_interval always, a
// cluster of the three nodes.
func TestNATSClusterConfig(t *testing.T) {
	t.Setenv("NATS_SERVER_NAME", "nats-1")
	opts, err := server.ProcessConfigFile("nats/nats-server.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !opts.JetStream || !opts.SyncAlways {
		t.Errorf("jetstream %v, sync always %v", opts.JetStream, opts.SyncAlways)
	}
	if opts.ServerName != "nats-1" || opts.Cluster.Name == "" || len(opts.Routes) != 3 {
		t.Errorf("server %q, cluster %q, %d routes", opts.ServerName, opts.Cluster.Name, len(opts.Routes))
	}
}

// Prometheus loads the alert rules the compose file mounts and scrapes both workers on the port
// they serve; Grafana's provisioning points at Prometheus and at the mounted dashboards.
func TestPrometheusAndGrafana(t *testing.T) {
	t.Parallel()
	var prom struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "prometheus/prometheus.yml", &prom)
	c := loadCompose(t)
	mounts := strings.Join(c.Services["prometheus"].Volumes, " ")
	for _, f := range prom.RuleFiles {
		if !strings.Contains(mounts, ":"+f+":") {
			t.Errorf("rule file %s is not mounted into prometheus", f)
		}
	}
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	for _, w := range []string{"worker-1", "worker-2"} {
		if port := strings.TrimPrefix(c.Services[w].Environment["PAYRUN_HTTP_ADDR"], ":"); !slices.Contains(targets, w+":"+port) {
			t.Errorf("prometheus does not scrape %s:%s (targets %v)", w, port, targets)
		}
	}
	var ds struct {
		Datasources []struct{ URL string } `yaml:"datasources"`
	}
	readYAML(t, "grafana/provisioning/datasources/prometheus.yml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Errorf("grafana datasources %+v", ds.Datasources)
	}
	var dp struct {
		Providers []struct {
			Options struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, "grafana/provisioning/dashboards/payrun.yml", &dp)
	if len(dp.Providers) != 1 || !strings.Contains(strings.Join(c.Services["grafana"].Volumes, " "), ":"+dp.Providers[0].Options.Path+":") {
		t.Errorf("grafana dashboards provider %+v is not the mounted directory", dp.Providers)
	}
}

func readYAML(t *testing.T, path string, out any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// The systemd unit stops within more than the worker's shutdown timeout, keeps its store in a
// state directory, reads secrets from an environment file and is hardened; systemd-analyze
// (when installed) finds nothing to complain about.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("systemd/payrun-worker.service")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			keys[k] = append(keys[k], v)
		}
	}
	one := func(k string) string {
		if len(keys[k]) != 1 {
			t.Errorf("%s set %d times", k, len(keys[k]))
			return ""
		}
		return keys[k][0]
	}
	stop, err := time.ParseDuration(one("TimeoutStopSec"))
	if shutdown := config.Default().Worker.ShutdownTimeout; err != nil || stop < shutdown+10*time.Second {
		t.Errorf("TimeoutStopSec %q: want at least worker.shutdown_timeout %s + 10s", one("TimeoutStopSec"), shutdown)
	}
	if one("StateDirectory") == "" || !strings.Contains(one("ExecStart"), "--store-dir ${STATE_DIRECTORY}") {
		t.Errorf("the store is not in the state directory: ExecStart %q", one("ExecStart"))
	}
	if one("EnvironmentFile") == "" {
		t.Error("no EnvironmentFile for the secrets")
	}
	if !strings.Contains(strings.Join(keys["Environment"], " "), "PAYRUN_DATA_KEY_FILE=") {
		t.Error("no data key file: a worker against a real gateway refuses to start without one")
	}
	for _, k := range []string{"NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
		"CapabilityBoundingSet", "RestrictAddressFamilies", "SystemCallFilter", "MemoryDenyWriteExecute", "UMask"} {
		if len(keys[k]) == 0 {
			t.Errorf("hardening option %s missing", k)
		}
	}
	if one("ProtectSystem") != "strict" {
		t.Errorf("ProtectSystem=%s, want strict", one("ProtectSystem"))
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: the unit's syntax was not verified")
	}
	// verify wants the binary to exist: check a copy that starts /bin/true instead.
	unit := filepath.Join(t.TempDir(), "payrun-worker.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(data), "/usr/local/bin/payrun-worker", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
