/*
 * prometheus.c: the text exposition format (version 0.0.4), one block per
 * refresh. Every family has HELP and TYPE; names are sockwatch_ and base
 * units; `_total` only on counters. Label sets are bounded: a process, a
 * listener, a service, a namespace or a state, never a socket. A sample whose
 * value is unknown (a process whose fds could not be read) is left out, as
 * the format has no "unknown": the collector's own health says how many.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/leak.h"
#include "sockwatch/out.h"
#include "sockwatch/service.h"

/*
 * A label value. The format escapes backslash, double quote and newline, and
 * carries everything else raw: a name with ESC or a bidi control would reach
 * the terminal of whoever curls /metrics. Those are written as the text the
 * TUI shows for them (esc_text: \x1b, \u{202e}, \xff for an invalid byte),
 * with that text's backslash escaped, so the value reads "\x1b" after
 * unescaping and the exposition stays valid UTF-8.
 */
static void prom_label(struct strbuf *sb, const char *s, size_t len)
{
	struct strbuf t;
	size_t i;

	sb_init(&t);
	esc_text(&t, s, len);
	for (i = 0; i < t.len; i++) {
		char c = t.buf[i];

		if (c == '"') {
			sb_puts(sb, "\\\"");
		} else if (c != '\\') {
			sb_putc(sb, c);
		} else if (t.buf[i + 1] == '\\') { /* a backslash of the name */
			sb_puts(sb, "\\\\");
			i++;
		} else if (t.buf[i + 1] == 'n') { /* a newline: the format's own escape */
			sb_puts(sb, "\\n");
			i++;
		} else { /* esc_text's escape of a control: shown as text */
			sb_puts(sb, "\\\\");
		}
	}
	sb_fini(&t);
}

/* HELP and TYPE of a family. */
static void prom_family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample's value: integers as such, others with 15 significant digits. */
static void prom_num(struct strbuf *sb, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		sb_printf(sb, "%.0f\n", v);
	else
		sb_printf(sb, "%.15g\n", v);
}

/* A sample without labels. */
static void prom_value(struct strbuf *sb, const char *name, const char *type, const char *help,
		       double v)
{
	prom_family(sb, name, type, help);
	sb_printf(sb, "%s ", name);
	prom_num(sb, v);
}

/* A namespace's labels: its inode, unique on the host, and its name. */
static void prom_netns(struct strbuf *sb, const struct snapshot *s, uint32_t ns)
{
	size_t len;
	const char *name = netns_name(s, ns, &len);

	sb_printf(sb, "netns=\"%u\",netns_name=\"", s->netns[ns].ino);
	prom_label(sb, name, len);
	sb_putc(sb, '"');
}

/* ---- processes ---- */

/* The label sets of the processes, built once: pid, comm, service, netns. */
struct proc_labels {
	struct strbuf text;
	uint32_t *off; /* of each row in rl: its labels, from off[i] to off[i + 1] */
};

static void proc_labels_build(struct proc_labels *pl, const struct snapshot *s,
			      const struct row_list *rl)
{
	size_t i, len;

	sb_init(&pl->text);
	pl->off = xcalloc(rl->n + 1, sizeof *pl->off);
	for (i = 0; i < rl->n; i++) {
		const struct proc_rec *pr = &s->procs.v[rl->v[i]];
		uint32_t svc = proc_service(s, rl->v[i]);
		const char *name = svc != NONE ? service_name(s, svc, &len) : "";

		pl->off[i] = (uint32_t)pl->text.len;
		sb_printf(&pl->text, "pid=\"%d\",comm=\"", pr->pid);
		prom_label(&pl->text, pr->comm, strlen(pr->comm));
		sb_puts(&pl->text, "\",service=\"");
		prom_label(&pl->text, name, svc != NONE ? len : 0);
		sb_puts(&pl->text, "\",");
		prom_netns(&pl->text, s, s->pstats[rl->v[i]].netns);
	}
	pl->off[rl->n] = (uint32_t)pl->text.len;
}

static void proc_labels_fini(struct proc_labels *pl)
{
	sb_fini(&pl->text);
	free(pl->off);
}

static void proc_sample(struct strbuf *sb, const char *name, const struct proc_labels *pl, size_t i,
			const char *extra, double v)
{
	sb_printf(sb, "%s{", name);
	sb_append(sb, pl->text.buf + pl->off[i], pl->off[i + 1] - pl->off[i]);
	sb_printf(sb, "%s} ", extra);
	prom_num(sb, v);
}

enum proc_metric {
	PM_SOCKETS,
	PM_CLOSE_WAIT,
	PM_DEAD,
	PM_FDS,
	PM_FD_LIMIT,
	PM_FD_USAGE,
	PM_LEAK_LEVEL,
	PM_GROWTH,
	PM_ETA,
	PM_RX,
	PM_TX,
	PM_RETR,
	PM_RTT_MED,
	PM_RTT_MAX,
	PM_COUNT
};

static const struct {
	const char *name, *help;
} proc_metrics[PM_COUNT] = {
	[PM_SOCKETS] = { "sockwatch_process_sockets",
			 "Sockets held by a process (distinct socket inodes)." },
	[PM_CLOSE_WAIT] = { "sockwatch_process_close_wait_sockets",
			    "TCP sockets of a process in CLOSE_WAIT: the peer closed, the process "
			    "has not." },
	[PM_DEAD] = { "sockwatch_process_dead_sockets",
		      "TCP socket fds of a process that the kernel no longer lists (closed by "
		      "the kernel or never connected)." },
	[PM_FDS] = { "sockwatch_process_fds", "Open file descriptors of a process." },
	[PM_FD_LIMIT] = { "sockwatch_process_fd_limit",
			  "Soft limit of open file descriptors (RLIMIT_NOFILE) of a process." },
	[PM_FD_USAGE] = { "sockwatch_process_fd_usage_ratio",
			  "Open file descriptors of a process over its soft limit." },
	[PM_LEAK_LEVEL] = { "sockwatch_process_leak_level",
			    "Leak detector's verdict on a process: 0 ok, 1 warning, 2 critical." },
	[PM_GROWTH] = { "sockwatch_process_socket_growth_per_second",
			"Growth of a process's sockets over the leak window." },
	[PM_ETA] = { "sockwatch_process_fd_exhaustion_seconds",
		     "Estimated time until a process's open files reach its soft limit, at the "
		     "growth of the leak window." },
	[PM_RX] = { "sockwatch_process_receive_bytes_per_second",
		    "Bytes per second a process's TCP sockets received since the last refresh "
		    "(tcp_info; sockets that closed in between are not seen)." },
	[PM_TX] = { "sockwatch_process_transmit_bytes_per_second",
		    "Bytes per second a process's TCP sockets sent and had acknowledged since the "
		    "last refresh." },
	[PM_RETR] = { "sockwatch_process_retransmits_per_second",
		      "TCP segments per second a process's sockets retransmitted since the last "
		      "refresh." },
	[PM_RTT_MED] = { "sockwatch_process_rtt_median_seconds",
			 "Median smoothed round-trip time of a process's established TCP sockets." },
	[PM_RTT_MAX] = { "sockwatch_process_rtt_max_seconds",
			 "Largest smoothed round-trip time of a process's established TCP sockets." },
};

/*
 * A traffic value of t: which is PM_RX .. PM_RTT_MAX. 0 when it is not known
 * (no socket with a rate yet, no established socket, no tcp_info).
 */
static int traffic_metric(const struct traffic *t, unsigned which, double *v)
{
	if (t == NULL)
		return 0;
	switch (which) {
	case PM_RX:
		*v = t->rx;
		return t->rated > 0;
	case PM_TX:
		*v = t->tx;
		return t->rated > 0;
	case PM_RETR:
		*v = t->retr;
		return t->rated > 0;
	case PM_RTT_MED:
		*v = t->rtt_med / 1e6;
		return t->rtt_n > 0;
	case PM_RTT_MAX:
		*v = t->rtt_max / 1e6;
		return t->rtt_n > 0;
	default:
		return 0;
	}
}

/* The value of metric m for process p, 0 when it is unknown (no sample). */
static int proc_metric(const struct snapshot *s, uint32_t p, enum proc_metric m, double *v)
{
	const struct proc_rec *pr = &s->procs.v[p];
	const struct proc_stats *ps = &s->pstats[p];
	const struct leak_verdict *lv = s->leak != NULL ? &s->leak[p] : NULL;
	int known = pr->fd_readable, limited = pr->fd_limit > 0;

	switch (m) {
	case PM_SOCKETS:
		*v = proc_sockets(s, p);
		return known;
	case PM_CLOSE_WAIT:
		*v = ps->states[TS_CLOSE_WAIT];
		return known;
	case PM_DEAD:
		*v = ps->dead;
		return known;
	case PM_FDS:
		*v = (double)pr->fds;
		return pr->fds >= 0;
	case PM_FD_LIMIT:
		*v = (double)pr->fd_limit;
		return limited;
	case PM_FD_USAGE:
		*v = limited ? (double)pr->fds / (double)pr->fd_limit : 0;
		return limited && pr->fds >= 0;
	case PM_LEAK_LEVEL: /* of a process not inspected, only a verdict its fd count gave */
		*v = lv != NULL ? lv->level : 0;
		return lv != NULL && (known || lv->level != LEAK_OK);
	case PM_GROWTH:
		*v = lv != NULL ? lv->growth_per_min / 60.0 : 0;
		return lv != NULL && lv->has_growth;
	case PM_ETA:
		*v = lv != NULL ? lv->eta_seconds : 0;
		return lv != NULL && lv->has_eta && isfinite(lv->eta_seconds);
	case PM_RX:
	case PM_TX:
	case PM_RETR:
	case PM_RTT_MED:
	case PM_RTT_MAX:
		return known && traffic_metric(row_traffic(s, ROW_PROC, p), m, v);
	case PM_COUNT:
		break;
	}
	return 0;
}

static void prom_processes(struct strbuf *sb, const struct snapshot *s, const struct row_list *rl)
{
	struct proc_labels pl;
	struct strbuf extra;
	size_t i;
	unsigned m, b;
	double v;

	proc_labels_build(&pl, s, rl);
	for (m = 0; m < PM_COUNT; m++) {
		prom_family(sb, proc_metrics[m].name, "gauge", proc_metrics[m].help);
		for (i = 0; i < rl->n; i++) {
			if (proc_metric(s, rl->v[i], (enum proc_metric)m, &v))
				proc_sample(sb, proc_metrics[m].name, &pl, i, "", v);
		}
	}
	/* The reasons of the flagged processes: one series per reason, so an alert can name it. */
	prom_family(sb, "sockwatch_process_leak_reason", "gauge",
		    "Why the leak detector flags a process: 1 for each reason of its verdict.");
	sb_init(&extra);
	for (i = 0; s->leak != NULL && i < rl->n; i++) {
		const struct leak_verdict *lv = &s->leak[rl->v[i]];

		for (b = 0; lv->level != LEAK_OK && b < LR_COUNT; b++) {
			if (!(lv->reasons & (1u << b)))
				continue;
			sb_reset(&extra);
			sb_printf(&extra, ",reason=\"%s\"", leak_reason_name(1u << b));
			proc_sample(sb, "sockwatch_process_leak_reason", &pl, i, extra.buf, 1);
		}
	}
	sb_fini(&extra);
	proc_labels_fini(&pl);
}

/* ---- listeners ---- */

enum lsn_metric { LM_CONNECTIONS, LM_QUEUE, LM_BACKLOG, LM_FULL, LM_COUNT };

static const struct {
	const char *name, *help;
} lsn_metrics[LM_COUNT] = {
	[LM_CONNECTIONS] = { "sockwatch_listener_connections",
			     "Established connections of a TCP listener." },
	[LM_QUEUE] = { "sockwatch_listener_queue",
		       "Connections waiting in the accept queue of a TCP listener." },
	[LM_BACKLOG] = { "sockwatch_listener_backlog",
			 "Size of the accept queue (backlog) of a TCP listener." },
	[LM_FULL] = { "sockwatch_listener_queue_full",
		      "1 when the accept queue of a TCP listener is full: new connections wait "
		      "or are dropped." },
};

/*
 * The TCP listeners. Listeners that share an address and port (SO_REUSEPORT)
 * are one series, the sum of theirs (full: any of them), as a family must not
 * repeat a label set.
 */
static void prom_listeners(struct strbuf *sb, const struct snapshot *s, const struct row_list *rl)
{
	uint32_t(*sum)[LM_COUNT] = xcalloc(s->nlisteners + 1, sizeof *sum);
	uint8_t abuf[16];
	struct strbuf a;
	size_t i;
	unsigned m;

	for (i = 0; i < rl->n; i++) {
		const struct listener *li = &s->listeners[rl->v[i]];
		const struct sock_rec *r = &s->socks.v[li->sock];

		if (r->proto != SP_TCP)
			continue;
		sum[li->group][LM_CONNECTIONS] += li->connections;
		sum[li->group][LM_QUEUE] += r->rqueue;
		sum[li->group][LM_BACKLOG] += r->wqueue;
		sum[li->group][LM_FULL] |= (uint32_t)listener_queue_full(r);
	}
	sb_init(&a);
	for (m = 0; m < LM_COUNT; m++) {
		prom_family(sb, lsn_metrics[m].name, "gauge", lsn_metrics[m].help);
		for (i = 0; i < rl->n; i++) {
			const struct listener *li = &s->listeners[rl->v[i]];
			const struct sock_rec *r = &s->socks.v[li->sock];

			if (r->proto != SP_TCP || li->group != rl->v[i])
				continue;
			sb_reset(&a);
			sock_addr_format(&a, r->family, sock_addr(&s->socks, r, 0, abuf));
			sb_printf(sb, "%s{proto=\"tcp\",address=\"%s\",port=\"%u\",",
				  lsn_metrics[m].name, a.buf, r->sport);
			prom_netns(sb, s, r->netns);
			sb_printf(sb, "} %u\n", sum[li->group][m]);
		}
	}
	/* Their traffic, summed the same way (RTTs do not sum: none per listener). */
	{
		static const struct {
			const char *name, *help;
		} tm[3] = {
			{ "sockwatch_listener_receive_bytes_per_second",
			  "Bytes per second the connections of a TCP listener received since the "
			  "last refresh." },
			{ "sockwatch_listener_transmit_bytes_per_second",
			  "Bytes per second the connections of a TCP listener sent and had "
			  "acknowledged since the last refresh." },
			{ "sockwatch_listener_retransmits_per_second",
			  "TCP segments per second the connections of a TCP listener retransmitted "
			  "since the last refresh." },
		};
		double(*tsum)[3] = xcalloc(s->nlisteners + 1, sizeof *tsum);
		uint32_t *rated = xcalloc(s->nlisteners + 1, sizeof *rated);

		for (i = 0; i < rl->n; i++) {
			const struct listener *li = &s->listeners[rl->v[i]];

			tsum[li->group][0] += li->traffic.rx;
			tsum[li->group][1] += li->traffic.tx;
			tsum[li->group][2] += li->traffic.retr;
			rated[li->group] += li->traffic.rated;
		}
		for (m = 0; m < 3; m++) {
			prom_family(sb, tm[m].name, "gauge", tm[m].help);
			for (i = 0; i < rl->n; i++) {
				const struct listener *li = &s->listeners[rl->v[i]];
				const struct sock_rec *r = &s->socks.v[li->sock];

				if (r->proto != SP_TCP || li->group != rl->v[i] || !s->tcp_info ||
				    rated[li->group] == 0)
					continue;
				sb_reset(&a);
				sock_addr_format(&a, r->family, sock_addr(&s->socks, r, 0, abuf));
				sb_printf(sb, "%s{proto=\"tcp\",address=\"%s\",port=\"%u\",",
					  tm[m].name, a.buf, r->sport);
				prom_netns(sb, s, r->netns);
				sb_puts(sb, "} ");
				prom_num(sb, tsum[li->group][m]);
			}
		}
		free(tsum);
		free(rated);
	}
	sb_fini(&a);
	free(sum);
}

/* ---- services ---- */

enum svc_metric {
	SM_PROCESSES,
	SM_SOCKETS,
	SM_FDS,
	SM_CLOSE_WAIT,
	SM_LEAK_LEVEL,
	SM_RX,
	SM_TX,
	SM_RETR,
	SM_RTT_MED,
	SM_RTT_MAX,
	SM_COUNT
};

static const struct {
	const char *name, *help;
} svc_metrics[SM_COUNT] = {
	[SM_PROCESSES] = { "sockwatch_service_processes",
			   "Processes with sockets of a service (systemd unit, container, cgroup)." },
	[SM_SOCKETS] = { "sockwatch_service_sockets", "Sockets held by a service's processes." },
	[SM_FDS] = { "sockwatch_service_fds", "Open file descriptors of a service's processes." },
	[SM_CLOSE_WAIT] = { "sockwatch_service_close_wait_sockets",
			    "TCP sockets of a service's processes in CLOSE_WAIT." },
	[SM_LEAK_LEVEL] = { "sockwatch_service_leak_level",
			    "Leak detector's verdict on a service (its sum, and at least that of its "
			    "worst process): 0 ok, 1 warning, 2 critical." },
	[SM_RX] = { "sockwatch_service_receive_bytes_per_second",
		    "Bytes per second a service's TCP sockets received since the last refresh." },
	[SM_TX] = { "sockwatch_service_transmit_bytes_per_second",
		    "Bytes per second a service's TCP sockets sent and had acknowledged since the "
		    "last refresh." },
	[SM_RETR] = { "sockwatch_service_retransmits_per_second",
		      "TCP segments per second a service's sockets retransmitted since the last "
		      "refresh." },
	[SM_RTT_MED] = { "sockwatch_service_rtt_median_seconds",
			 "Median smoothed round-trip time of a service's established TCP sockets." },
	[SM_RTT_MAX] = { "sockwatch_service_rtt_max_seconds",
			 "Largest smoothed round-trip time of a service's established TCP sockets." },
};

static int svc_metric(const struct snapshot *s, uint32_t k, enum svc_metric m, double *v)
{
	const struct service_row *sv = &s->services[k];

	switch (m) {
	case SM_PROCESSES:
		*v = sv->procs;
		return 1;
	case SM_SOCKETS:
		*v = sv->sockets;
		return sv->known > 0;
	case SM_FDS:
		*v = (double)sv->fds;
		return sv->fds >= 0;
	case SM_CLOSE_WAIT:
		*v = sv->states[TS_CLOSE_WAIT];
		return sv->known > 0;
	case SM_LEAK_LEVEL:
		*v = s->svc_leak != NULL ? s->svc_leak[k].level : 0;
		return s->svc_leak != NULL;
	case SM_RX:
	case SM_TX:
	case SM_RETR:
	case SM_RTT_MED:
	case SM_RTT_MAX:
		return sv->known > 0 &&
		       traffic_metric(row_traffic(s, ROW_SERVICE, k), PM_RX + (m - SM_RX), v);
	case SM_COUNT:
		break;
	}
	return 0;
}

static void prom_services(struct strbuf *sb, const struct snapshot *s, const struct row_list *rl)
{
	size_t i, len;
	unsigned m;
	double v;

	for (m = 0; m < SM_COUNT; m++) {
		prom_family(sb, svc_metrics[m].name, "gauge", svc_metrics[m].help);
		for (i = 0; i < rl->n; i++) {
			const char *name = service_name(s, rl->v[i], &len);

			if (!svc_metric(s, rl->v[i], (enum svc_metric)m, &v))
				continue;
			sb_printf(sb, "%s{kind=\"%s\",service=\"", svc_metrics[m].name,
				  service_kind_name(s->services[rl->v[i]].kind));
			prom_label(sb, name, len);
			sb_puts(sb, "\"} ");
			prom_num(sb, v);
		}
	}
}

/* ---- the machine, its namespaces, and sockwatch itself ---- */

static void prom_host(struct strbuf *sb, const struct snapshot *s)
{
	const struct totals *t = &s->totals;
	unsigned st, p;

	prom_family(sb, "sockwatch_sockets", "gauge",
		    "Sockets in the kernel's tables, by protocol (every namespace read).");
	for (p = 0; p < SP_COUNT; p++) {
		if (p == SP_UNIX_DGRAM || p == SP_UNIX_SEQPACKET)
			continue;
		sb_printf(sb, "sockwatch_sockets{proto=\"%s\"} %u\n", sock_proto_name(p),
			  p == SP_UNIX_STREAM ? totals_unix(t) : t->proto[p]);
	}
	prom_family(sb, "sockwatch_tcp_sockets", "gauge", "TCP sockets by state.");
	for (st = TS_ESTABLISHED; st <= TS_CLOSING; st++)
		sb_printf(sb, "sockwatch_tcp_sockets{state=\"%s\"} %u\n", tcp_state_name(st),
			  t->tcp_states[st]);
	prom_value(sb, "sockwatch_tcp_orphan_sockets", "gauge",
		   "TCP sockets that their owner closed and that are still finishing.", t->orphans);
	if (s->sys.max_orphans >= 0)
		prom_value(sb, "sockwatch_tcp_orphan_sockets_max", "gauge",
			   "Most orphaned TCP sockets the kernel keeps (net.ipv4.tcp_max_orphans).",
			   (double)s->sys.max_orphans);
	prom_value(sb, "sockwatch_tcp_time_wait_peer_max", "gauge",
		   "Most TIME_WAIT sockets towards one remote address and port.", t->tw_peer_max);
	if (s->sys.listen_overflows >= 0)
		prom_value(
			sb, "sockwatch_tcp_listen_overflows_total", "counter",
			"Connections a full accept queue could not take (TcpExt ListenOverflows).",
			(double)s->sys.listen_overflows);
	if (s->sys.listen_drops >= 0)
		prom_value(sb, "sockwatch_tcp_listen_drops_total", "counter",
			   "Connections dropped at a listener (TcpExt ListenDrops).",
			   (double)s->sys.listen_drops);
	if (s->tcp_info && t->traffic.rated > 0) {
		prom_value(sb, "sockwatch_tcp_receive_bytes_per_second", "gauge",
			   "Bytes per second every TCP socket received since the last refresh.",
			   t->traffic.rx);
		prom_value(sb, "sockwatch_tcp_transmit_bytes_per_second", "gauge",
			   "Bytes per second every TCP socket sent and had acknowledged since the "
			   "last refresh.",
			   t->traffic.tx);
		prom_value(sb, "sockwatch_tcp_retransmits_per_second", "gauge",
			   "TCP segments per second retransmitted since the last refresh.",
			   t->traffic.retr);
	}
	if (s->tcp_info && s->traffic_dt > 0)
		prom_value(sb, "sockwatch_tcp_closed_unsampled_sockets", "gauge",
			   "TCP sockets of the last refresh that closed before this one: what "
			   "they carried in between is in no rate.",
			   s->tcp_closed);
	if (t->fds_alloc >= 0)
		prom_value(sb, "sockwatch_files_allocated", "gauge",
			   "Open files of the whole machine (fs.file-nr).", (double)t->fds_alloc);
	if (t->fds_max >= 0)
		prom_value(sb, "sockwatch_files_max", "gauge",
			   "Most open files the machine allows (fs.file-max).", (double)t->fds_max);
}

static void prom_namespaces(struct strbuf *sb, const struct snapshot *s)
{
	size_t i;
	int read;

	for (read = 0; read < 2; read++) {
		if (read)
			prom_family(sb, "sockwatch_netns_read", "gauge",
				    "1 when the sockets of a network namespace were read.");
		else
			prom_family(sb, "sockwatch_netns_sockets", "gauge",
				    "Sockets the dumps listed in a network namespace.");
		for (i = 0; i < s->nnetns; i++) {
			const struct netns_row *n = &s->netns[i];

			if (n->ino == 0 || (!read && !n->dumped))
				continue;
			sb_printf(sb, "%s{",
				  read ? "sockwatch_netns_read" : "sockwatch_netns_sockets");
			prom_netns(sb, s, (uint32_t)i);
			sb_printf(sb, "} %u\n", read ? n->dumped : n->sockets);
		}
	}
}

static void prom_health(struct strbuf *sb, const struct snapshot *s)
{
	static const char *const dumps[DD_COUNT] = { "tcp4",	 "tcp6",     "udp4", "udp6",
						     "udplite4", "udplite6", "unix" };
	unsigned d;

	_Static_assert(ARRAY_LEN(dumps) == DD_COUNT, "a label for every dump");
	prom_value(sb, "sockwatch_refresh_duration_seconds", "gauge",
		   "Time the last refresh took (dumps, /proc scan, join).", s->refresh_s);
	prom_value(sb, "sockwatch_refreshes_total", "counter", "Refreshes since sockwatch started.",
		   (double)s->refreshes);
	prom_value(sb, "sockwatch_last_refresh_timestamp_seconds", "gauge",
		   "When the last refresh started, in seconds since the epoch.",
		   (double)s->time.tv_sec + (double)s->time.tv_nsec / 1e9);
	prom_family(sb, "sockwatch_dump_available", "gauge",
		    "1 when the kernel answered a sock_diag dump, 0 when its sockets are missing "
		    "(no diag module, or refused).");
	for (d = 0; d < DD_COUNT; d++)
		sb_printf(sb, "sockwatch_dump_available{dump=\"%s\"} %d\n", dumps[d],
			  s->diag.err[d] == 0);
	if (s->procs_scanned) {
		prom_value(sb, "sockwatch_processes", "gauge", "Processes read from /proc.",
			   (double)s->procs.n);
		prom_value(sb, "sockwatch_processes_uninspectable", "gauge",
			   "Processes whose open files could not be read: their counts are unknown "
			   "and absent here.",
			   (double)s->procs.denied);
	}
	prom_family(sb, "sockwatch_build_info", "gauge", "sockwatch's version, as a label.");
	sb_printf(sb, "sockwatch_build_info{version=\"%s\"} 1\n", SOCKWATCH_VERSION);
}

void out_write_prometheus(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o)
{
	struct row_list rl = { 0 };

	prom_host(sb, s);
	prom_namespaces(sb, s);
	view_rows(s, o->filter, VIEW_PROCESSES, &rl);
	view_sort(s, VIEW_PROCESSES, &rl, 0, 0);
	prom_processes(sb, s, &rl);
	view_rows(s, o->filter, VIEW_LISTEN, &rl);
	prom_listeners(sb, s, &rl);
	view_rows(s, o->filter, VIEW_SERVICES, &rl);
	view_sort(s, VIEW_SERVICES, &rl, -1, 1);
	prom_services(sb, s, &rl);
	prom_health(sb, s);
	row_list_fini(&rl);
}
