/* prometheus.c: the text exposition format, one block per refresh. */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/out.h"
#include "sockwatch/service.h"

/* A label value: backslash, quote and newline escaped; other controls as in esc_text. */
static void prom_label(struct strbuf *sb, const char *s, size_t len)
{
	struct strbuf t;
	size_t i;

	sb_init(&t);
	esc_text(&t, s, len);
	for (i = 0; i < t.len; i++) {
		if (t.buf[i] == '"')
			sb_putc(sb, '\\');
		sb_putc(sb, t.buf[i]);
	}
	sb_fini(&t);
}

/*
 * A namespace's labels: its inode, unique on the host (port 8080 in two
 * containers is two series), and its name.
 */
static void prom_netns(struct strbuf *sb, const struct snapshot *s, uint32_t ns)
{
	size_t len;
	const char *name = netns_name(s, ns, &len);

	sb_printf(sb, "netns=\"%u\",netns_name=\"", s->netns[ns].ino);
	prom_label(sb, name, len);
	sb_putc(sb, '"');
}

/* One metric family over the services: their sockets, or their fds. */
static void prom_services(struct strbuf *sb, const struct snapshot *s, const struct row_list *rl,
			  int fds)
{
	const char *name = fds ? "sockwatch_service_fds" : "sockwatch_service_sockets";
	size_t i, len;

	sb_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name,
		  fds ? "Open file descriptors of a service's processes."
		      : "Sockets held by a service's processes.",
		  name);
	for (i = 0; i < rl->n; i++) {
		const struct service_row *sv = &s->services[rl->v[i]];
		const char *svc = service_name(s, rl->v[i], &len);

		if (fds ? sv->fds < 0 : sv->known == 0)
			continue;
		sb_printf(sb, "%s{kind=\"%s\",service=\"", name, service_kind_name(sv->kind));
		prom_label(sb, svc, len);
		sb_printf(sb, "\"} %lld\n", fds ? (long long)sv->fds : (long long)sv->sockets);
	}
}

/*
 * One metric family over the TCP listeners: connections, or the accept queue.
 * Listeners that share an address and port (SO_REUSEPORT) are one series, the
 * sum of theirs: a family must not repeat a label set.
 */
static void prom_listeners(struct strbuf *sb, const struct snapshot *s, const struct row_list *rl,
			   int queue)
{
	const char *name = queue ? "sockwatch_listener_queue" : "sockwatch_listener_connections";
	uint32_t *sum = xcalloc(s->nlisteners + 1, sizeof *sum);
	struct strbuf a;
	size_t i;

	sb_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name,
		  queue ? "Accept queue of a TCP listener."
			: "Established connections of a TCP listener.",
		  name);
	for (i = 0; i < rl->n; i++) {
		const struct listener *li = &s->listeners[rl->v[i]];

		sum[li->group] += queue ? s->socks.v[li->sock].rqueue : li->connections;
	}
	sb_init(&a);
	for (i = 0; i < rl->n; i++) {
		const struct listener *li = &s->listeners[rl->v[i]];
		const struct sock_rec *r = &s->socks.v[li->sock];

		if (r->proto != SP_TCP || li->group != rl->v[i])
			continue;
		sb_reset(&a);
		sock_addr_format(&a, r->family, r->saddr);
		sb_printf(sb, "%s{address=\"%s\",port=\"%u\",", name, a.buf, r->sport);
		prom_netns(sb, s, r->netns);
		sb_printf(sb, "} %u\n", sum[li->group]);
	}
	sb_fini(&a);
	free(sum);
}

void out_write_prometheus(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o)
{
	const struct totals *t = &s->totals;
	struct row_list rl = { 0 };
	size_t i;
	unsigned st, p;

	sb_puts(sb, "# HELP sockwatch_sockets Sockets in the kernel's tables, by protocol.\n"
		    "# TYPE sockwatch_sockets gauge\n");
	for (p = 0; p < SP_COUNT; p++) {
		if (p == SP_UNIX_DGRAM || p == SP_UNIX_SEQPACKET)
			continue;
		sb_printf(sb, "sockwatch_sockets{proto=\"%s\"} %u\n", sock_proto_name(p),
			  p == SP_UNIX_STREAM ? t->proto[SP_UNIX_STREAM] + t->proto[SP_UNIX_DGRAM] +
							t->proto[SP_UNIX_SEQPACKET]
					      : t->proto[p]);
	}
	sb_puts(sb, "# HELP sockwatch_tcp_sockets TCP sockets by state.\n"
		    "# TYPE sockwatch_tcp_sockets gauge\n");
	for (st = TS_ESTABLISHED; st <= TS_CLOSING; st++)
		sb_printf(sb, "sockwatch_tcp_sockets{state=\"%s\"} %u\n", tcp_state_name(st),
			  t->tcp_states[st]);
	if (t->fds_alloc >= 0)
		sb_printf(
			sb,
			"# TYPE sockwatch_files_allocated gauge\nsockwatch_files_allocated %lld\n",
			(long long)t->fds_alloc);
	if (t->fds_max >= 0)
		sb_printf(sb, "# TYPE sockwatch_files_max gauge\nsockwatch_files_max %lld\n",
			  (long long)t->fds_max);
	sb_puts(sb, "# HELP sockwatch_process_sockets Sockets held by a process.\n"
		    "# TYPE sockwatch_process_sockets gauge\n");
	view_rows(s, o->filter, VIEW_PROCESSES, &rl);
	view_sort(s, VIEW_PROCESSES, &rl, 0, 0);
	for (i = 0; i < rl.n; i++) {
		const struct proc_rec *pr = &s->procs.v[rl.v[i]];

		if (!pr->fd_readable)
			continue;
		sb_printf(sb, "sockwatch_process_sockets{pid=\"%d\",comm=\"", pr->pid);
		prom_label(sb, pr->comm, strlen(pr->comm));
		sb_printf(sb, "\"} %u\n", pr->ino_n);
	}
	sb_puts(sb, "# HELP sockwatch_process_fds Open file descriptors of a process.\n"
		    "# TYPE sockwatch_process_fds gauge\n");
	for (i = 0; i < rl.n; i++) {
		const struct proc_rec *pr = &s->procs.v[rl.v[i]];

		if (pr->fds < 0)
			continue;
		sb_printf(sb, "sockwatch_process_fds{pid=\"%d\",comm=\"", pr->pid);
		prom_label(sb, pr->comm, strlen(pr->comm));
		sb_printf(sb, "\"} %lld\n", (long long)pr->fds);
	}
	view_rows(s, o->filter, VIEW_LISTEN, &rl);
	prom_listeners(sb, s, &rl, 0);
	prom_listeners(sb, s, &rl, 1);
	view_rows(s, o->filter, VIEW_SERVICES, &rl);
	view_sort(s, VIEW_SERVICES, &rl, -1, 1);
	prom_services(sb, s, &rl, 0);
	prom_services(sb, s, &rl, 1);
	row_list_fini(&rl);
}
