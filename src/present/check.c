/*
 * check.c: --check, the monitoring-plugin status line: "SOCKWATCH WARNING -
 * why | perfdata", judged on the leak verdicts of the shown processes and,
 * for the whole machine, on its own limits.
 */
#include <stdint.h>

#include "sockwatch/present.h"

int present_check(struct strbuf *sb, const struct snapshot *s, const struct filter *f)
{
	static const char *const status[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	size_t i, shown = 0, flagged = 0, unknown = 0, worst = SIZE_MAX, p;
	unsigned level = LEAK_OK;
	struct strbuf why;
	int rc;

	sb_init(&why);
	for (i = 0; i < s->procs.n; i++) {
		static const struct leak_verdict none;
		const struct leak_verdict *v = s->leak != NULL ? &s->leak[i] : &none;

		if (!s->pstats[i].shown)
			continue;
		shown++;
		if (!s->procs.v[i].fd_readable)
			unknown++;
		if (v->level == LEAK_OK)
			continue;
		flagged++;
		if (worst == SIZE_MAX || leak_verdict_cmp(v, &s->leak[worst]) > 0)
			worst = i;
	}
	if (worst != SIZE_MAX)
		level = s->leak[worst].level;
	/* The machine's own walls count when the check is about the whole machine. */
	if (!filter_active(f)) {
		unsigned sys = system_pressure(s, &why);

		level = sys > level ? sys : level;
	}
	rc = (int)level;
	/* Asked about given processes, and none (or not all) could be judged. */
	if (f->npids > 0) {
		for (p = 0; p < f->npids; p++) {
			int found = 0;

			for (i = 0; i < s->procs.n && !found; i++)
				found = s->procs.v[i].pid == f->pids[p];
			if (!found && rc == 0) {
				sb_printf(sb, "SOCKWATCH UNKNOWN - no process %d\n", f->pids[p]);
				sb_fini(&why);
				return 3;
			}
		}
		if (unknown > 0 && rc == 0) {
			sb_printf(sb,
				  "SOCKWATCH UNKNOWN - %zu of the processes cannot be inspected "
				  "(run as root)\n",
				  unknown);
			sb_fini(&why);
			return 3;
		}
	}
	sb_printf(sb, "SOCKWATCH %s - ", status[rc]);
	if (worst == SIZE_MAX) {
		sb_printf(sb, "%zu %s, none leaking", shown, shown == 1 ? "process" : "processes");
	} else {
		leak_describe(sb, s, (uint32_t)worst);
		if (flagged > 1)
			sb_printf(sb, "; %zu more flagged", flagged - 1);
	}
	if (why.len > 0 && !filter_active(f))
		sb_printf(sb, "; %s", why.buf);
	sb_fini(&why);
	sb_printf(sb,
		  " | leaking=%zu;;;0 sockets=%u;;;0 tcp_established=%u;;;0 "
		  "close_wait=%u;;;0 time_wait=%u;;;0 orphans=%u;;;0",
		  flagged, s->totals.sockets, s->totals.tcp_states[TS_ESTABLISHED],
		  s->totals.tcp_states[TS_CLOSE_WAIT], s->totals.tcp_states[TS_TIME_WAIT],
		  s->totals.orphans);
	if (s->totals.fds_alloc >= 0)
		sb_printf(sb, " fds=%lld;;;0;%lld", (long long)s->totals.fds_alloc,
			  (long long)s->totals.fds_max);
	if (worst != SIZE_MAX) {
		const struct proc_rec *pr = &s->procs.v[worst];

		sb_printf(sb, " pid_%d_sockets=%u;;;0 pid_%d_fds=%lld;;;0", pr->pid, pr->ino_n,
			  pr->pid, (long long)pr->fds);
		if (pr->fd_limit > 0 && pr->fd_limit != PROC_UNLIMITED)
			sb_printf(sb, ";%lld", (long long)pr->fd_limit);
	}
	sb_putc(sb, '\n');
	return rc;
}
