/*
 * check.c: --check, the monitoring-plugin status line: "SOCKWATCH WARNING -
 * why | perfdata". With thresholds (-w, -c) the named metrics of the scope
 * are judged; without, the leak verdicts of the shown processes and, for the
 * whole machine, its own limits. Processes that could not be inspected are
 * said, and raise the status when sockwatch lacks the privileges to see them.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/check.h"
#include "sockwatch/present.h"

#define UNKNOWN_V PROC_UNKNOWN
#define MAX_PORTS 64 /* port_P_established labels at most */

static const char *const status_name[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* The figures of the scope, one pass over the snapshot. */
struct figures {
	int64_t v[CM_COUNT]; /* UNKNOWN_V when unknown */
	uint32_t fd_proc;    /* the process of the worst fd_percent, NONE */
	uint32_t cw_proc;    /* the process holding the most CLOSE_WAIT sockets, NONE */
	double fd_percent;
	size_t shown;
	uint32_t nports;
	uint16_t port[MAX_PORTS];
	uint32_t port_estab[MAX_PORTS];
};

/* Whether socket sock is in the --port scope: its port row's port, or a listener bound to it. */
static int on_port(const struct snapshot *s, uint32_t sock, int port)
{
	const struct sock_rec *r = &s->socks.v[sock];
	uint32_t row;

	if (port < 0)
		return 1;
	if (r->family != AF_INET && r->family != AF_INET6)
		return 0;
	if (r->state == TS_LISTEN || (r->proto != SP_TCP && r->state == TS_CLOSE))
		return r->sport == port;
	row = sock_port_row(s, sock);
	return row != NONE && s->ports[row].port == port;
}

static void count_sockets(const struct snapshot *s, const struct filter *f,
			  const struct check_opts *o, struct figures *fg)
{
	int filtered = filter_active(f);
	size_t i;

	if (!filtered && o->port < 0) {
		fg->v[CM_SOCKETS] = s->totals.sockets;
		fg->v[CM_ESTABLISHED] = s->totals.tcp_states[TS_ESTABLISHED];
		fg->v[CM_CLOSE_WAIT] = s->totals.tcp_states[TS_CLOSE_WAIT];
		fg->v[CM_TIME_WAIT] = s->totals.tcp_states[TS_TIME_WAIT];
		return;
	}
	fg->v[CM_SOCKETS] = fg->v[CM_ESTABLISHED] = fg->v[CM_CLOSE_WAIT] = 0;
	fg->v[CM_TIME_WAIT] = 0;
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];

		if (filtered && !snapshot_sock_shown(s, f, (uint32_t)i))
			continue;
		if (!on_port(s, (uint32_t)i, o->port))
			continue;
		fg->v[CM_SOCKETS]++;
		if (r->proto != SP_TCP)
			continue;
		fg->v[CM_ESTABLISHED] += r->state == TS_ESTABLISHED;
		fg->v[CM_CLOSE_WAIT] += r->state == TS_CLOSE_WAIT;
		fg->v[CM_TIME_WAIT] += r->state == TS_TIME_WAIT;
	}
}

/* Accept queues and the connections of each listener port in scope: any user sees these. */
static void count_listeners(const struct snapshot *s, const struct check_opts *o,
			    struct figures *fg)
{
	size_t i;
	uint32_t k;

	fg->v[CM_ACCEPT_QUEUE_FULL] = 0;
	for (i = 0; i < s->nlisteners; i++) {
		const struct listener *li = &s->listeners[i];
		const struct sock_rec *r = &s->socks.v[li->sock];

		if (r->proto != SP_TCP || (o->port >= 0 && r->sport != o->port))
			continue;
		if (listener_queue_full(r))
			fg->v[CM_ACCEPT_QUEUE_FULL] += r->rqueue;
		for (k = 0; k < fg->nports && fg->port[k] != r->sport; k++)
			;
		if (k == fg->nports) {
			if (fg->nports == MAX_PORTS)
				continue;
			fg->port[fg->nports] = r->sport;
			fg->port_estab[fg->nports++] = 0;
		}
		fg->port_estab[k] += li->connections;
	}
}

static void count_procs(const struct snapshot *s, struct figures *fg)
{
	size_t i;

	fg->fd_proc = fg->cw_proc = NONE;
	fg->v[CM_FD_PERCENT] = fg->v[CM_LEAKING] = fg->v[CM_PROCESSES_UNKNOWN] = UNKNOWN_V;
	if (!s->procs_scanned)
		return;
	fg->v[CM_PROCESSES_UNKNOWN] = 0;
	fg->v[CM_LEAKING] = s->leak != NULL ? 0 : UNKNOWN_V;
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_rec *p = &s->procs.v[i];

		if (!s->pstats[i].shown)
			continue;
		fg->shown++;
		fg->v[CM_PROCESSES_UNKNOWN] += !p->fd_readable;
		if (s->leak != NULL)
			fg->v[CM_LEAKING] += s->leak[i].level != LEAK_OK;
		if (s->pstats[i].states[TS_CLOSE_WAIT] > 0 &&
		    (fg->cw_proc == NONE || s->pstats[i].states[TS_CLOSE_WAIT] >
						    s->pstats[fg->cw_proc].states[TS_CLOSE_WAIT]))
			fg->cw_proc = (uint32_t)i;
		if (p->fds >= 0 && p->fd_limit > 0 && p->fd_limit != PROC_UNLIMITED) {
			double pct = (double)p->fds * 100.0 / (double)p->fd_limit;

			if (fg->fd_proc == NONE || pct > fg->fd_percent) {
				fg->fd_percent = pct;
				fg->fd_proc = (uint32_t)i;
			}
		}
	}
	if (fg->fd_proc != NONE)
		fg->v[CM_FD_PERCENT] = (int64_t)fg->fd_percent;
}

static void figures_compute(const struct snapshot *s, const struct filter *f,
			    const struct check_opts *o, struct figures *fg)
{
	memset(fg, 0, sizeof *fg);
	count_sockets(s, f, o, fg);
	fg->v[CM_ORPHANS] = s->totals.orphans;
	fg->v[CM_TW_PER_PEER] = s->totals.tw_peer_max;
	fg->v[CM_FDS] = s->totals.fds_alloc >= 0 ? s->totals.fds_alloc : UNKNOWN_V;
	count_listeners(s, o, fg);
	count_procs(s, fg);
}

/* A metric's value as the text and perfdata write it. */
static double metric_value(const struct figures *fg, enum check_metric m)
{
	return m == CM_FD_PERCENT ? fg->fd_percent : (double)fg->v[m];
}

static void fmt_value(struct strbuf *sb, const struct figures *fg, enum check_metric m)
{
	if (fg->v[m] == UNKNOWN_V)
		sb_putc(sb, 'U');
	else if (m == CM_FD_PERCENT)
		sb_printf(sb, "%.1f", fg->fd_percent);
	else
		sb_printf(sb, "%lld", (long long)fg->v[m]);
}

/* The maximum a metric can reach, for the perfdata, or -1 when none is known. */
static int64_t metric_max(const struct snapshot *s, enum check_metric m)
{
	switch (m) {
	case CM_ORPHANS:
		return s->sys.max_orphans;
	case CM_TW_PER_PEER:
		return s->sys.port_lo >= 0 ? s->sys.port_hi - s->sys.port_lo + 1 : -1;
	case CM_FD_PERCENT:
		return 100;
	case CM_FDS:
		return s->totals.fds_max;
	default:
		return -1;
	}
}

/*
 * Perfdata: 'label=value[uom];warn;crit;min;max' for every metric, then the
 * established connections of each listener port in scope. Labels never carry
 * a pid (a new worst process would start a new graph); fd_percent is the
 * worst one's, "worst_fd_percent".
 */
static void perfdata(struct strbuf *sb, const struct snapshot *s, const struct check_opts *o,
		     const struct figures *fg)
{
	int m;
	uint32_t k;

	sb_puts(sb, " |");
	for (m = 0; m < CM_COUNT; m++) {
		int64_t max = metric_max(s, (enum check_metric)m);

		sb_printf(sb, " %s%s=", m == CM_FD_PERCENT ? "worst_" : "",
			  check_metric_name((enum check_metric)m));
		fmt_value(sb, fg, (enum check_metric)m);
		sb_printf(sb, "%s;%s;%s;0;", m == CM_FD_PERCENT && fg->v[m] != UNKNOWN_V ? "%" : "",
			  o->warn[m].set ? o->warn[m].text : "",
			  o->crit[m].set ? o->crit[m].text : "");
		if (max >= 0)
			sb_printf(sb, "%lld", (long long)max);
	}
	for (k = 0; k < fg->nports; k++)
		sb_printf(sb, " port_%u_established=%u;;;0;", fg->port[k], fg->port_estab[k]);
}

/* " (pid 123 java)": the process behind a figure, in the words (never in a label). */
static void proc_words(struct strbuf *sb, const struct snapshot *s, uint32_t proc, const char *what)
{
	const struct proc_rec *p = &s->procs.v[proc];

	sb_printf(sb, " (%spid %d ", what, p->pid);
	esc_text(sb, p->comm, strlen(p->comm));
	sb_putc(sb, ')');
}

/* A metric's words: its value, and the worst process for fd_percent and close_wait. */
static void metric_words(struct strbuf *sb, const struct snapshot *s, const struct figures *fg,
			 enum check_metric m)
{
	sb_printf(sb, "%s ", check_metric_name(m));
	fmt_value(sb, fg, m);
	if (m == CM_FD_PERCENT && fg->fd_proc != NONE) {
		sb_putc(sb, '%');
		proc_words(sb, s, fg->fd_proc, "");
	} else if (m == CM_CLOSE_WAIT && fg->cw_proc != NONE) {
		proc_words(sb, s, fg->cw_proc, "most: ");
	}
}

/* Thresholds: the worst level over the metrics that have one; words for each. */
static int judge_thresholds(struct strbuf *why, const struct snapshot *s,
			    const struct check_opts *o, const struct figures *fg)
{
	int m, level = 0, unknown = 0;
	const char *sep = "";

	for (m = 0; m < CM_COUNT; m++) {
		const struct check_range *w = &o->warn[m], *c = &o->crit[m];
		int l = 0;

		if (!w->set && !c->set)
			continue;
		sb_puts(why, sep);
		sep = ", ";
		metric_words(why, s, fg, (enum check_metric)m);
		if (fg->v[m] == UNKNOWN_V) {
			unknown = 1;
			sb_puts(why, " (unknown)");
			continue;
		}
		if (check_range_alerts(c, metric_value(fg, (enum check_metric)m)))
			l = 2;
		else if (check_range_alerts(w, metric_value(fg, (enum check_metric)m)))
			l = 1;
		if (l > 0)
			sb_printf(why, " (%s %s)", l == 2 ? "critical" : "warning",
				  l == 2 ? c->text : w->text);
		level = l > level ? l : level;
	}
	/* A figure that cannot be had makes the check UNKNOWN, unless another one alerts. */
	return level == 0 && unknown ? 3 : level;
}

/* Without thresholds: the leak verdicts, and the machine's walls when it is about the machine. */
static int judge_leaks(struct strbuf *why, const struct snapshot *s, const struct filter *f,
		       const struct figures *fg)
{
	size_t i, flagged = 0, worst = SIZE_MAX, wsvc = SIZE_MAX;
	unsigned level = LEAK_OK;
	struct strbuf sys;

	for (i = 0; i < s->procs.n && s->leak != NULL; i++) {
		if (!s->pstats[i].shown || s->leak[i].level == LEAK_OK)
			continue;
		flagged++;
		if (worst == SIZE_MAX || leak_verdict_cmp(&s->leak[i], &s->leak[worst]) > 0)
			worst = i;
	}
	/*
	 * A service is judged on its sums too: its workers may each stay below the
	 * thresholds. It leads when it is worse than every process of the scope.
	 */
	for (i = 0; i < s->nservices && s->svc_leak != NULL; i++) {
		if (s->svc_leak[i].level == LEAK_OK)
			continue;
		if (wsvc == SIZE_MAX || leak_verdict_cmp(&s->svc_leak[i], &s->svc_leak[wsvc]) > 0)
			wsvc = i;
	}
	if (wsvc != SIZE_MAX &&
	    (worst == SIZE_MAX || leak_verdict_cmp(&s->svc_leak[wsvc], &s->leak[worst]) > 0)) {
		level = s->svc_leak[wsvc].level;
		leak_describe_service(why, s, (uint32_t)wsvc);
		if (flagged > 0)
			sb_printf(why, "; %zu %s flagged", flagged,
				  flagged == 1 ? "process" : "processes");
	} else if (worst == SIZE_MAX) {
		sb_printf(why, "%zu %s, none leaking", fg->shown,
			  fg->shown == 1 ? "process" : "processes");
	} else {
		level = s->leak[worst].level;
		leak_describe(why, s, (uint32_t)worst);
		if (flagged > 1)
			sb_printf(why, "; %zu more flagged", flagged - 1);
	}
	if (!filter_active(f)) {
		unsigned l;

		sb_init(&sys);
		l = system_pressure(s, &sys);
		level = l > level ? l : level;
		if (sys.len > 0)
			sb_printf(why, "; %s", sys.buf);
		sb_fini(&sys);
	}
	return (int)level;
}

/* Asked about given pids: one that is not there cannot be judged. */
static int missing_pid(const struct snapshot *s, const struct filter *f)
{
	size_t p;

	for (p = 0; p < f->npids; p++) {
		if (snapshot_proc_by_pid(s, f->pids[p]) == NONE)
			return f->pids[p];
	}
	return 0;
}

int present_check(struct strbuf *sb, const struct snapshot *s, const struct filter *f,
		  const struct check_opts *o)
{
	struct figures fg;
	struct strbuf why;
	int64_t unknown;
	int rc, pid;

	figures_compute(s, f, o, &fg);
	sb_init(&why);
	if (check_has_thresholds(o))
		rc = judge_thresholds(&why, s, o, &fg);
	else
		rc = judge_leaks(&why, s, f, &fg);
	pid = s->procs_scanned ? missing_pid(s, f) : 0;
	unknown = fg.v[CM_PROCESSES_UNKNOWN] == UNKNOWN_V ? 0 : fg.v[CM_PROCESSES_UNKNOWN];
	if (pid != 0 && rc != 1 && rc != 2) {
		sb_reset(&why);
		sb_printf(&why, "no process %d", pid);
		rc = 3;
	} else if (unknown > 0) {
		/*
		 * Partial visibility. Without the privileges, what sockwatch cannot see
		 * may be what is wrong: at least WARNING. With them (a process of another
		 * user namespace), it is said. Asked about given pids, it cannot judge.
		 */
		sb_printf(&why, "; %lld %s cannot be inspected%s", (long long)unknown,
			  unknown == 1 ? "process" : "processes",
			  o->privileged ? " even as root" : " (run as root, or --allow-partial)");
		if (o->require_full)
			rc = 3;
		else if (!o->allow_partial && (!o->privileged || f->npids > 0) && rc == 0)
			rc = f->npids > 0 ? 3 : 1;
	}
	sb_printf(sb, "SOCKWATCH %s - %s", status_name[rc], why.buf != NULL ? why.buf : "");
	sb_fini(&why);
	perfdata(sb, s, o, &fg);
	sb_putc(sb, '\n');
	return rc;
}
