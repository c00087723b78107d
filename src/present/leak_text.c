/* leak_text.c: the leak detector's verdicts in words: the LEAK column, --check, the TUI pane. */
#include <string.h>

#include "sockwatch/present.h"

static void d_growth(struct strbuf *sb, const struct leak_verdict *v)
{
	sb_printf(sb, "growth %+.0f/min", v->has_growth ? v->growth_per_min : 0.0);
}
static void x_growth(struct strbuf *sb, const struct leak_verdict *v)
{
	sb_printf(sb, "growth: the lowest socket count keeps rising (%+.0f/min). ",
		  v->has_growth ? v->growth_per_min : 0.0);
}

static void d_close_wait(struct strbuf *sb, const struct leak_verdict *v)
{
	sb_printf(sb, "%u old close_wait", v->cw_old);
}
static void x_close_wait(struct strbuf *sb, const struct leak_verdict *v)
{
	sb_printf(sb, "close_wait: %u sockets closed by the peer, never closed here. ", v->cw_old);
}

static void x_fd_limit(struct strbuf *sb, const struct leak_verdict *v)
{
	(void)v;
	sb_puts(sb, "fd_limit: close to or over the soft RLIMIT_NOFILE. ");
}

static void d_accept_queue(struct strbuf *sb, const struct leak_verdict *v)
{
	sb_printf(sb, "accept queue full on %u listener%s", v->queue_full,
		  v->queue_full == 1 ? "" : "s");
}
static void x_accept_queue(struct strbuf *sb, const struct leak_verdict *v)
{
	(void)v;
	sb_puts(sb, "accept_queue: a listener is not accepting. ");
}

static void d_dead(struct strbuf *sb, const struct leak_verdict *v)
{
	sb_printf(sb, "%u dead sockets", v->dead_old);
}
static void x_dead(struct strbuf *sb, const struct leak_verdict *v)
{
	sb_printf(sb,
		  "dead_sockets: %u TCP sockets the kernel no longer lists (reset by the peer, "
		  "timed out, or never connected), their fds still open here. ",
		  v->dead_old);
}

/* One entry per reason, in the order of its bit (enum leak_reason). */
static const struct reason_text {
	unsigned bit;
	const char *brief; /* the LEAK column */
	/* leak_describe's words with the number; NULL: the fds part says it. */
	void (*describe)(struct strbuf *sb, const struct leak_verdict *v);
	void (*explain)(struct strbuf *sb, const struct leak_verdict *v); /* the TUI pane */
} reasons[] = {
	{ LR_GROWTH, "grow", d_growth, x_growth },
	{ LR_CLOSE_WAIT, "cw", d_close_wait, x_close_wait },
	{ LR_FD_LIMIT, "fd", NULL, x_fd_limit },
	{ LR_ACCEPT_QUEUE, "queue", d_accept_queue, x_accept_queue },
	{ LR_DEAD_SOCKETS, "dead", d_dead, x_dead },
};
_Static_assert(ARRAY_LEN(reasons) == LR_COUNT, "a text for every leak reason");

enum severity severity_of_level(unsigned level)
{
	return level == LEAK_CRITICAL ? SEV_CRIT : level == LEAK_WARNING ? SEV_WARN : SEV_NORMAL;
}

void leak_reasons_brief(struct strbuf *sb, unsigned bits)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < ARRAY_LEN(reasons); i++) {
		if (!(bits & reasons[i].bit))
			continue;
		sb_printf(sb, "%s%s", sep, reasons[i].brief);
		sep = ",";
	}
}

/* " growth +380/min, 12 old close_wait": the reasons with their numbers; the next separator. */
static const char *describe_reasons(struct strbuf *sb, const struct leak_verdict *v)
{
	const char *sep = " ";
	size_t i;

	for (i = 0; i < ARRAY_LEN(reasons); i++) {
		if (!(v->reasons & reasons[i].bit) || reasons[i].describe == NULL)
			continue;
		sb_puts(sb, sep);
		reasons[i].describe(sb, v);
		sep = ", ";
	}
	return sep;
}

void leak_describe_service(struct strbuf *sb, const struct snapshot *s, uint32_t svc)
{
	const struct leak_verdict *v = &s->svc_leak[svc];
	size_t len;
	const char *name = service_name(s, svc, &len);

	sb_puts(sb, "service ");
	esc_text(sb, name, len);
	sb_printf(sb, " (%u %s)", s->services[svc].procs,
		  s->services[svc].procs == 1 ? "process" : "processes");
	describe_reasons(sb, v);
}

void leak_describe(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	static const struct leak_verdict none;
	const struct proc_rec *p = &s->procs.v[r];
	const struct leak_verdict *v = s->leak != NULL ? &s->leak[r] : &none;
	const char *sep;

	sb_printf(sb, "pid %d (", p->pid);
	esc_text(sb, p->comm, strlen(p->comm));
	sb_putc(sb, ')');
	/* Stopped, it reads and accepts nothing: its queues grow until SIGCONT. */
	if (p->state == 'T' || p->state == 't')
		sb_printf(sb, " stopped (%c)", p->state);
	sep = describe_reasons(sb, v);
	if (p->fds >= 0) {
		sb_printf(sb, "%sfds %lld", sep, (long long)p->fds);
		if (p->fd_limit >= 0 && p->fd_limit != PROC_UNLIMITED)
			sb_printf(sb, "/%lld", (long long)p->fd_limit);
		sep = ", ";
	}
	if (v->has_eta) {
		sb_printf(sb, "%seta ", sep);
		fmt_duration(sb, v->eta_seconds);
	}
}

void leak_explain(struct strbuf *sb, const struct leak_verdict *v)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(reasons); i++) {
		if (v->reasons & reasons[i].bit)
			reasons[i].explain(sb, v);
	}
	if (v->has_eta) {
		sb_puts(sb, "Too many open files in ");
		fmt_duration(sb, v->eta_seconds);
		sb_putc(sb, '.');
	}
}
