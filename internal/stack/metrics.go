package stack

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/payrun/payrun/pkg/buildinfo"
)

// registerProcessMetrics registers what the worker exports beside its packages' metrics: the Go
// runtime and process, payrun_build_info, and payrun_nats_connected (0 until the first connection,
// so it is there while the worker waits for NATS).
func (s *Stack) registerProcessMetrics() {
	s.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildinfo.Read().Collector(),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "payrun_nats_connected", Help: "1 while the worker's NATS connection is up.",
		}, func() float64 {
			if nc := s.conn(); nc != nil && nc.IsConnected() {
				return 1
			}
			return 0
		}),
	)
}
