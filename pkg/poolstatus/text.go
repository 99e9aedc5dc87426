package poolstatus

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText prints s for a person.
func (s Status) WriteText(w io.Writer) error {
	var b strings.Builder
	p := s.Pool
	switch {
	case s.PoolError != "":
		fmt.Fprintf(&b, "pool:      not read: %s\n", s.PoolError)
	case s.Sending == SendingAuthStop:
		fmt.Fprintf(&b, "pool:      stopped since %s: %s\n", p.PausedAt.UTC().Format(time.RFC3339), p.PauseReason)
	case p.Paused:
		fmt.Fprintf(&b, "pool:      paused since %s: %s\n", p.PausedAt.UTC().Format(time.RFC3339), p.PauseReason)
	default:
		fmt.Fprintf(&b, "pool:      running\n")
	}
	switch {
	case s.PoolError != "":
		fmt.Fprintf(&b, "workers:   not known (the pool was not read)\n")
	case len(p.Workers) == 0:
		fmt.Fprintf(&b, "workers:   none registered: nothing is being paid\n")
	default:
		fmt.Fprintf(&b, "workers:   %d registered: %s\n", len(p.Workers), strings.Join(p.Workers, ", "))
	}
	rate := "no limit configured"
	if s.ConfiguredRate > 0 {
		rate = fmt.Sprintf("%g requests/s configured for the pool", s.ConfiguredRate)
	}
	var send string
	switch s.Sending {
	case SendingPaused:
		send = "nothing (paused)"
	case SendingAuthStop:
		send = "nothing (the gateway refused the credentials)"
	case SendingPressure:
		send = fmt.Sprintf("nothing until %s (gateway pressure: %s, level %d)", p.PressureUntil.UTC().Format(time.RFC3339), p.PressureReason, p.PressureLevel)
	case SendingLimited:
		send = fmt.Sprintf("up to %.4g requests/s (%.0f%% of the configured rate)", s.EffectiveRate, 100*p.Factor)
	case SendingUnknown:
		send = "not known (the pool was not read)"
	default:
		send = "as fast as the workers go"
	}
	fmt.Fprintf(&b, "rate:      %s; sending %s\n", rate, send)
	c := s.Consumer
	if s.ConsumerError != "" {
		fmt.Fprintf(&b, "consumer:  %s: not read: %s\n", c.Name, s.ConsumerError)
	} else {
		fmt.Fprintf(&b, "consumer:  %s: %d jobs not yet delivered, %d delivered and unacknowledged (%d of them redelivered), %d idle pull requests\n",
			c.Name, c.Pending, c.AckPending, c.Redelivered, c.Waiting)
	}
	switch {
	case s.BatchesError != "":
		fmt.Fprintf(&b, "batches:   not read: %s\n", s.BatchesError)
	case len(s.Batches) == 0:
		fmt.Fprintf(&b, "batches:   none in progress\n")
	default:
		fmt.Fprintf(&b, "batches in progress:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  BATCH\tSTATE\tENQUEUED\tRESULTS\tPENDING JOBS\tIN WORK\tRETRYING\n")
		for _, bs := range s.Batches {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%d\t%d\n", bs.ID, bs.State, bs.Enqueued, bs.Results, bs.Pending, bs.Open, bs.Retrying)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if err := s.Replication.writeText(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeText prints the replicas: one line on a single server, else a table of every group (also
// when a group could not be read: then whether there is a cluster is not known).
func (r Replication) writeText(b *strings.Builder) error {
	bad, server, unread := 0, "", false
	for _, g := range r.Groups {
		if !g.Current {
			bad++
		}
		if server == "" && g.Leader != "" {
			server = " on " + g.Leader
		}
		unread = unread || g.Error != ""
	}
	cluster := r.Cluster
	switch {
	case cluster == "" && !unread:
		fmt.Fprintf(b, "replicas:  single server%s, not a cluster: one copy of each stream and bucket, nothing to fail over to\n", server)
		return nil
	case cluster == "":
		cluster = "(not known)"
	}
	if bad == 0 {
		fmt.Fprintf(b, "replicas:  cluster %s: every copy of the %d streams, buckets and consumer is current\n", cluster, len(r.Groups))
	} else {
		fmt.Fprintf(b, "replicas:  cluster %s: %d of %d streams, buckets and consumer NOT current\n", cluster, bad, len(r.Groups))
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  KIND\tNAME\tROLE\tREPLICAS\tLEADER\tCURRENT\n")
	for _, g := range r.Groups {
		leader, current := g.Leader, "yes"
		if leader == "" {
			leader = "-"
		}
		if !g.Current {
			current = "NO: " + g.health()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\n", g.Kind, g.Name, g.Role, g.Replicas, leader, current)
	}
	return tw.Flush()
}
