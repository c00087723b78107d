/* json.c: one JSON object per refresh, one per line (JSON Lines). */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/leak.h"
#include "sockwatch/service.h"
#include "sockwatch/out.h"
#include "sockwatch/present.h"

static void json_str(struct strbuf *sb, const char *s, size_t len)
{
	sb_putc(sb, '"');
	esc_json(sb, s, len);
	sb_putc(sb, '"');
}

static void json_cstr(struct strbuf *sb, const char *s)
{
	json_str(sb, s, strlen(s));
}

/* A number, or null when unknown. */
static void json_i64(struct strbuf *sb, int64_t v)
{
	if (v == PROC_UNKNOWN || v == PROC_UNLIMITED)
		sb_puts(sb, "null");
	else
		sb_printf(sb, "%lld", (long long)v);
}

/* , "key": number-or-null */
static void json_field_i64(struct strbuf *sb, const char *key, int64_t v)
{
	sb_printf(sb, ", \"%s\": ", key);
	json_i64(sb, v);
}

/* {"established": n, ...} over the TCP states that can be seen. */
static void json_states(struct strbuf *sb, const uint32_t *states)
{
	unsigned st;
	int first = 1;

	sb_putc(sb, '{');
	for (st = TS_ESTABLISHED; st <= TS_CLOSING; st++) {
		sb_printf(sb, "%s\"%s\": %u", first ? "" : ", ", tcp_state_name(st), states[st]);
		first = 0;
	}
	sb_putc(sb, '}');
}

/* An address of socket r (remote: its peer's) as a JSON string. */
static void json_addr(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r,
		      int remote)
{
	uint8_t buf[16];
	struct strbuf t;

	sb_init(&t);
	sock_addr_format(&t, r->family, sock_addr(&s->socks, r, remote, buf));
	json_str(sb, t.buf, t.len);
	sb_fini(&t);
}

/*
 * , "port_name": the name /etc/services gives the port for the protocol, or
 * null: beside the number, never instead of it, and whatever --numeric says.
 */
static void json_port_name(struct strbuf *sb, unsigned proto, unsigned port)
{
	size_t len;
	const char *name = port_name(proto, port, &len);

	sb_puts(sb, ", \"port_name\": ");
	if (name != NULL)
		json_str(sb, name, len);
	else
		sb_puts(sb, "null");
}

/* , "port": N, "port_name": ... */
static void json_port_fields(struct strbuf *sb, unsigned proto, unsigned port)
{
	sb_printf(sb, ", \"port\": %u", port);
	json_port_name(sb, proto, port);
}

static void json_owner_pids(struct strbuf *sb, const struct snapshot *s, uint32_t sock)
{
	const char *sep = "";
	uint32_t l;

	sb_putc(sb, '[');
	for (l = sock_owner_first(s, sock); l != NONE; l = sock_owner_next(s, l)) {
		sb_printf(sb, "%s%d", sep, s->procs.v[owner_proc(s, l)].pid);
		sep = ", ";
	}
	sb_putc(sb, ']');
}

/* A listener's id as a JSON string (lsock: index in socks.v), or null. */
static void json_listener_id(struct strbuf *sb, const struct snapshot *s, uint32_t lsock)
{
	if (lsock == NONE) {
		sb_puts(sb, "null");
		return;
	}
	sb_putc(sb, '"');
	listener_id(sb, s, lsock);
	sb_putc(sb, '"');
}

/* {"level": "warning", "reasons": ["growth"], "growth_per_min": 300.0, "eta_seconds": null} */
static void json_leak(struct strbuf *sb, const struct leak_verdict *v)
{
	unsigned b;
	int first = 1;

	sb_printf(sb, "{\"level\": \"%s\", \"reasons\": [", leak_level_name(v->level));
	for (b = 0; b < LR_COUNT; b++) {
		if (!(v->reasons & (1u << b)))
			continue;
		sb_printf(sb, "%s\"%s\"", first ? "" : ", ", leak_reason_name(1u << b));
		first = 0;
	}
	sb_puts(sb, "], \"growth_per_min\": ");
	if (v->has_growth)
		sb_printf(sb, "%.1f", v->growth_per_min);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ", \"eta_seconds\": ");
	if (v->has_eta)
		sb_printf(sb, "%.0f", v->eta_seconds);
	else
		sb_puts(sb, "null");
	sb_printf(sb, ", \"close_wait_old\": %u, \"queue_full\": %u, \"dead_old\": %u}", v->cw_old,
		  v->queue_full, v->dead_old);
}

/* "inode": 4026531840, "name": "host": each null when not known. */
static void json_netns_fields(struct strbuf *sb, const struct snapshot *s, uint32_t ns)
{
	size_t len;
	const char *name = netns_name(s, ns, &len);

	sb_puts(sb, "\"inode\": ");
	if (ns < s->nnetns && s->netns[ns].ino != 0)
		sb_printf(sb, "%u", s->netns[ns].ino);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ", \"name\": ");
	if (len > 0)
		json_str(sb, name, len);
	else
		sb_puts(sb, "null");
}

/* {"inode": 4026531840, "name": "host"} */
static void json_netns(struct strbuf *sb, const struct snapshot *s, uint32_t ns)
{
	sb_putc(sb, '{');
	json_netns_fields(sb, s, ns);
	sb_putc(sb, '}');
}

/* A process's service: {"kind": "systemd", "name": "nginx.service", "cgroup": "/system.slice/..."}.
 */
static void json_service(struct strbuf *sb, const struct snapshot *s, uint32_t proc)
{
	uint32_t svc = proc_service(s, proc);
	const char *str;
	size_t len;

	if (svc == NONE) {
		sb_puts(sb, "null");
		return;
	}
	sb_printf(sb, "{\"kind\": \"%s\", \"name\": ", service_kind_name(s->services[svc].kind));
	str = service_name(s, svc, &len);
	json_str(sb, str, len);
	sb_puts(sb, ", \"cgroup\": ");
	str = strpool_get(&s->procs.strs, s->procs.v[proc].cgroup, &len);
	json_str(sb, str, len);
	sb_putc(sb, '}');
}

/* A rate, or null. */
static void json_rate(struct strbuf *sb, const char *key, int known, double v)
{
	sb_printf(sb, "\"%s\": ", key);
	if (known)
		sb_printf(sb, "%.3f", v);
	else
		sb_puts(sb, "null");
}

/*
 * , "traffic": {...}: rates when some socket has one, the RTT when some
 * established socket has tcp_info; each null otherwise (UDP, UNIX, --no-traffic).
 */
static void json_traffic_of(struct strbuf *sb, int rated, double rx, double tx, double retr,
			    int has_rtt, double med_us, double max_us)
{
	sb_puts(sb, ", \"traffic\": {");
	json_rate(sb, "rx_bytes_per_second", rated, rx);
	sb_puts(sb, ", ");
	json_rate(sb, "tx_bytes_per_second", rated, tx);
	sb_puts(sb, ", ");
	json_rate(sb, "retransmits_per_second", rated, retr);
	sb_puts(sb, ", \"rtt_seconds\": {");
	if (has_rtt)
		sb_printf(sb, "\"median\": %.6f, \"max\": %.6f}}", med_us / 1e6, max_us / 1e6);
	else
		sb_puts(sb, "\"median\": null, \"max\": null}}");
}

static void json_traffic(struct strbuf *sb, const struct traffic *t)
{
	if (t == NULL)
		json_traffic_of(sb, 0, 0, 0, 0, 0, 0, 0);
	else
		json_traffic_of(sb, t->rated > 0, t->rx, t->tx, t->retr, t->rtt_n > 0, t->rtt_med,
				t->rtt_max);
}

/* A socket's rates, and what its tcp_info says (null without one). */
static void json_sock_traffic(struct strbuf *sb, const struct snapshot *s, uint32_t sock)
{
	const struct sock_tcpi *x = snapshot_tcpi(s, sock);

	if (x == NULL) {
		json_traffic(sb, NULL);
		sb_puts(sb, ", \"tcp_info\": null");
		return;
	}
	json_traffic_of(sb, (x->have & TCPI_RATED) != 0, x->rx, x->tx, x->retr, 1, x->rtt_us,
			x->rtt_us);
	sb_printf(sb, ", \"tcp_info\": {\"rtt_seconds\": %.6f, \"rttvar_seconds\": %.6f",
		  x->rtt_us / 1e6, x->rttvar_us / 1e6);
	sb_printf(sb, ", \"total_retransmits\": %u, \"lost\": %u", x->total_retrans, x->lost);
	if (x->have & TCPI_BYTES)
		sb_printf(sb, ", \"bytes_acked\": %llu, \"bytes_received\": %llu",
			  (unsigned long long)x->bytes_acked,
			  (unsigned long long)x->bytes_received);
	else
		sb_puts(sb, ", \"bytes_acked\": null, \"bytes_received\": null");
	if (x->have & TCPI_DRATE)
		sb_printf(sb, ", \"delivery_rate_bytes_per_second\": %llu}",
			  (unsigned long long)x->delivery_rate);
	else
		sb_puts(sb, ", \"delivery_rate_bytes_per_second\": null}");
}

static void json_process(struct strbuf *sb, const struct snapshot *s, uint32_t i)
{
	const struct proc_rec *p = &s->procs.v[i];
	const struct proc_stats *ps = &s->pstats[i];
	size_t len;
	const char *str;

	sb_printf(sb, "{\"pid\": %d, \"comm\": ", p->pid);
	json_cstr(sb, p->comm);
	sb_puts(sb, ", \"cmdline\": ");
	str = strpool_get(&s->procs.strs, p->cmdline, &len);
	json_str(sb, str, len);
	sb_puts(sb, ", \"user\": ");
	str = strpool_get(&s->procs.strs, p->user, &len);
	if (len > 0)
		json_str(sb, str, len);
	else
		sb_puts(sb, "null");
	json_field_i64(sb, "uid", p->uid);
	json_field_i64(sb, "ppid", p->ppid);
	sb_puts(sb, ", \"state\": ");
	if (p->state >= 'A' && p->state <= 'z')
		sb_printf(sb, "\"%c\"", p->state);
	else
		sb_puts(sb, "null");
	json_field_i64(sb, "fds", p->fds);
	json_field_i64(sb, "fd_limit", p->fd_limit);
	if (p->fd_readable) {
		sb_printf(sb,
			  ", \"sockets\": %u, \"tcp\": %u, \"udp\": %u, \"unix\": %u, \"other\": %u"
			  ", \"dead\": %u, \"unbound\": %u, \"states\": ",
			  proc_sockets(s, i), ps->tcp, ps->udp, ps->unix_, ps->other, ps->dead,
			  ps->unbound);
		json_states(sb, ps->states);
	} else {
		sb_puts(sb,
			", \"sockets\": null, \"tcp\": null, \"udp\": null, \"unix\": null"
			", \"other\": null, \"dead\": null, \"unbound\": null, \"states\": null");
	}
	/* An uninspectable process's sockets are not known: neither is their traffic. */
	json_traffic(sb, p->fd_readable ? row_traffic(s, ROW_PROC, i) : NULL);
	if (s->leak != NULL) {
		sb_puts(sb, ", \"leak\": ");
		json_leak(sb, &s->leak[i]);
	}
	sb_puts(sb, ", \"service\": ");
	json_service(sb, s, i);
	sb_puts(sb, ", \"netns\": ");
	json_netns(sb, s, ps->netns);
	sb_putc(sb, '}');
}

/* A service's sums over its shown processes; counts are null when none could be read. */
static void json_service_row(struct strbuf *sb, const struct snapshot *s, uint32_t i)
{
	const struct service_row *sv = &s->services[i];
	const char *str;
	size_t len;
	uint32_t p;
	int first = 1;

	sb_printf(sb, "{\"kind\": \"%s\", \"name\": ", service_kind_name(sv->kind));
	str = service_name(s, i, &len);
	json_str(sb, str, len);
	sb_puts(sb, ", \"cgroup\": ");
	str = strpool_get(&s->procs.strs, sv->cgroup, &len);
	json_str(sb, str, len);
	sb_printf(sb, ", \"processes\": %u, \"pids\": [", sv->procs);
	for (p = sv->first; p != NONE; p = service_proc_next(s, p)) {
		if (!s->pstats[p].shown)
			continue; /* --leaks hid it after the join */
		sb_printf(sb, "%s%d", first ? "" : ", ", s->procs.v[p].pid);
		first = 0;
	}
	sb_puts(sb, "]");
	json_field_i64(sb, "fds", sv->fds);
	if (sv->known == 0) {
		sb_puts(sb, ", \"sockets\": null, \"tcp\": null, \"udp\": null, \"unix\": null"
			    ", \"other\": null, \"dead\": null, \"states\": null");
	} else {
		sb_printf(sb,
			  ", \"sockets\": %u, \"tcp\": %u, \"udp\": %u, \"unix\": %u, \"other\": %u"
			  ", \"dead\": %u, \"states\": ",
			  sv->sockets, sv->tcp, sv->udp, sv->unix_, sv->other, sv->dead);
		json_states(sb, sv->states);
	}
	json_traffic(sb, sv->known > 0 ? row_traffic(s, ROW_SERVICE, i) : NULL);
	sb_printf(sb, ", \"partial\": %s", sv->known < sv->procs ? "true" : "false");
	if (s->svc_leak != NULL) {
		sb_puts(sb, ", \"leak\": ");
		json_leak(sb, &s->svc_leak[i]);
	}
	sb_putc(sb, '}');
}

/* Every namespace of the refresh, whether its tables were read, and what is in it. */
static void json_namespaces(struct strbuf *sb, const struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nnetns; i++) {
		const struct netns_row *n = &s->netns[i];

		sb_puts(sb, i > 0 ? ", {" : "{");
		json_netns_fields(sb, s, (uint32_t)i);
		sb_printf(sb, ", \"named\": %s, \"host\": %s, \"read\": %s, \"processes\": %u",
			  n->named ? "true" : "false", i == 0 ? "true" : "false",
			  n->dumped ? "true" : "false", n->procs);
		if (n->dumped)
			sb_printf(sb, ", \"sockets\": %u}", n->sockets);
		else
			sb_puts(sb, ", \"sockets\": null}");
	}
}

static void json_listener(struct strbuf *sb, const struct snapshot *s, const struct listener *li)
{
	const struct sock_rec *r = &s->socks.v[li->sock];
	int udp = r->proto == SP_UDP || r->proto == SP_UDPLITE;

	sb_puts(sb, "{\"id\": ");
	json_listener_id(sb, s, li->sock);
	sb_printf(sb, ", \"proto\": \"%s\", \"address\": ", sock_proto_name(r->proto));
	if (r->family == AF_UNIX) {
		size_t len;
		int abstract;

		sock_unix_name(s, r, &len, &abstract);
		sb_putc(sb, '"');
		json_unix_name(sb, s, r);
		sb_printf(sb, "\", \"port\": null, \"port_name\": null, \"abstract\": %s",
			  abstract ? "true" : "false");
	} else {
		json_addr(sb, s, r, 0);
		json_port_fields(sb, r->proto, r->sport);
	}
	sb_printf(sb, ", \"family\": \"%s\"",
		  r->family == AF_INET	  ? "ipv4"
		  : r->family == AF_INET6 ? "ipv6"
					  : "unix");
	if (udp)
		sb_puts(sb, ", \"queue\": null, \"backlog\": null, \"connections\": null");
	else
		sb_printf(sb, ", \"queue\": %u, \"backlog\": %u, \"connections\": %u", r->rqueue,
			  r->wqueue, li->connections);
	json_traffic(sb, s->tcp_info ? &li->traffic : NULL);
	sb_puts(sb, ", \"pids\": ");
	json_owner_pids(sb, s, li->sock);
	sb_puts(sb, ", \"comm\": ");
	if (sock_owner(s, li->sock) == NONE)
		sb_puts(sb, "null");
	else
		json_cstr(sb, s->procs.v[sock_owner(s, li->sock)].comm);
	sb_puts(sb, ", \"netns\": ");
	json_netns(sb, s, r->netns);
	sb_putc(sb, '}');
}

static void json_port(struct strbuf *sb, const struct snapshot *s, const struct port_row *pr)
{
	uint32_t i;

	sb_printf(sb, "{\"port\": %u", pr->port);
	json_port_name(sb, pr->proto, pr->port);
	sb_printf(sb,
		  ", \"proto\": \"%s\", \"direction\": \"%s\", \"established\": %u"
		  ", \"total\": %u, \"states\": ",
		  sock_proto_name(pr->proto), pr->dir == PORT_IN ? "in" : "out",
		  pr->states[TS_ESTABLISHED], pr->total);
	json_states(sb, pr->states);
	json_traffic(sb, s->tcp_info ? &pr->traffic : NULL);
	sb_printf(sb, ", \"peers\": %u, \"pids\": [", pr->peers);
	for (i = 0; i < pr->pid_n; i++)
		sb_printf(sb, "%s%u", i ? ", " : "", s->pids[pr->pid_off + i]);
	sb_puts(sb, "], \"netns\": ");
	json_netns(sb, s, pr->netns);
	sb_putc(sb, '}');
}

static void json_socket(struct strbuf *sb, const struct snapshot *s, uint32_t sock)
{
	const struct sock_rec *r = &s->socks.v[sock];
	enum age_source src;
	double age;
	int exact;

	sb_printf(sb, "{\"proto\": \"%s\", \"type\": \"%s\", \"state\": \"%s\"",
		  sock_proto_name(r->proto), sock_type_name(r),
		  r->proto == SP_TCP || r->family == AF_UNIX ? tcp_state_name(r->state)
		  : r->state == TS_ESTABLISHED		     ? "connected"
							     : "unconnected");
	if (r->family == AF_UNIX) {
		size_t len;
		int abstract;

		sock_unix_name(s, r, &len, &abstract);
		sb_puts(sb, ", \"path\": ");
		if (len == 0 && !abstract) {
			sb_puts(sb, "null");
		} else {
			sb_putc(sb, '"');
			json_unix_name(sb, s, r);
			sb_putc(sb, '"');
		}
		sb_printf(sb, ", \"abstract\": %s, \"peer_inode\": %u", abstract ? "true" : "false",
			  r->peer);
	} else {
		sb_puts(sb, ", \"local\": {\"address\": ");
		json_addr(sb, s, r, 0);
		json_port_fields(sb, r->proto, r->sport);
		sb_puts(sb, "}, \"remote\": {\"address\": ");
		json_addr(sb, s, r, 1);
		json_port_fields(sb, r->proto, r->dport);
		sb_putc(sb, '}');
	}
	sb_printf(sb,
		  ", \"recv_q\": %u, \"send_q\": %u, \"inode\": %u, \"uid\": %u"
		  ", \"cookie\": \"%llu\", \"pids\": ",
		  r->rqueue, r->wqueue, r->inode, r->uid, (unsigned long long)r->cookie);
	json_owner_pids(sb, s, sock);
	sb_puts(sb, ", \"listener\": ");
	json_listener_id(sb, s, sock_listener_sock(s, sock));
	if ((exact = sock_age(s, sock, &age, &src)) >= 0)
		sb_printf(sb, ", \"age_seconds\": %.1f, \"age_exact\": %s, \"age_source\": \"%s\"",
			  age, exact ? "true" : "false", src == AGE_STATE ? "state" : "seen");
	else
		sb_puts(sb, ", \"age_seconds\": null, \"age_exact\": false, \"age_source\": null");
	json_sock_traffic(sb, s, sock);
	sb_puts(sb, ", \"netns\": ");
	json_netns(sb, s, r->netns);
	sb_putc(sb, '}');
}

/* System-wide pressure: orphans, TIME_WAIT per peer against the port range, listen overflows. */
static void json_system(struct strbuf *sb, const struct snapshot *s)
{
	const struct totals *t = &s->totals;
	const struct proc_sys *y = &s->sys;

	sb_printf(sb, "{\"orphans\": %u, \"max_orphans\": ", t->orphans);
	json_i64(sb, y->max_orphans);
	json_field_i64(sb, "ephemeral_ports",
		       y->port_lo >= 0 ? y->port_hi - y->port_lo + 1 : PROC_UNKNOWN);
	sb_puts(sb, ", \"time_wait_peer\": ");
	if (t->tw_peer_sock == NONE) {
		sb_puts(sb, "null");
	} else {
		const struct sock_rec *r = &s->socks.v[t->tw_peer_sock];

		sb_puts(sb, "{\"address\": ");
		json_addr(sb, s, r, 1);
		json_port_fields(sb, r->proto, r->dport);
		sb_printf(sb, ", \"time_wait\": %u}", t->tw_peer_max);
	}
	json_field_i64(sb, "listen_overflows", y->listen_overflows);
	json_field_i64(sb, "listen_drops", y->listen_drops);
	json_field_i64(sb, "listen_overflows_window", t->overflows_window);
	json_field_i64(sb, "listen_drops_window", t->drops_window);
	sb_putc(sb, '}');
}

void out_write_json(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o)
{
	const struct totals *t = &s->totals;
	struct row_list rl = { 0 };
	size_t i;
	int d, first;

	sb_puts(sb, "{\"time\": \"");
	out_format_time(sb, &s->time);
	sb_printf(sb, "\", \"iteration\": %llu, \"interval\": %.3g",
		  (unsigned long long)o->iteration, o->interval);
	sb_printf(sb, ", \"totals\": {\"sockets\": %u, \"tcp\": ", t->sockets);
	json_states(sb, t->tcp_states);
	sb_printf(sb, ", \"udp\": %u, \"udplite\": %u, \"unix\": %u, \"fds\": {\"allocated\": ",
		  t->proto[SP_UDP], t->proto[SP_UDPLITE], totals_unix(t));
	json_i64(sb, t->fds_alloc);
	json_field_i64(sb, "max", t->fds_max);
	sb_putc(sb, '}');
	json_traffic(sb, s->tcp_info ? &t->traffic : NULL);
	sb_puts(sb, ", \"tcp_closed_unsampled\": ");
	if (s->tcp_info && s->traffic_dt > 0)
		sb_printf(sb, "%u, \"traffic_interval_seconds\": %.3f", s->tcp_closed,
			  s->traffic_dt);
	else
		sb_puts(sb, "null, \"traffic_interval_seconds\": null");
	sb_printf(sb, ", \"processes_unknown\": %zu, \"system\": ", s->procs.denied);
	json_system(sb, s);
	sb_putc(sb, '}');

	sb_puts(sb, ", \"unavailable\": [");
	for (d = 0, first = 1; d < DD_COUNT; d++) {
		if (s->diag.err[d] == 0)
			continue;
		sb_printf(sb, "%s\"%s\"", first ? "" : ", ", diag_dump_name((enum diag_dump)d));
		first = 0;
	}
	sb_puts(sb, "]");

	sb_puts(sb, ", \"processes\": [");
	view_rows(s, o->filter, VIEW_PROCESSES, &rl);
	view_sort(s, VIEW_PROCESSES, &rl, 0, 0);
	for (i = 0; i < rl.n; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		json_process(sb, s, rl.v[i]);
	}
	sb_puts(sb, "], \"listening\": [");
	view_rows(s, o->filter, VIEW_LISTEN, &rl);
	view_sort(s, VIEW_LISTEN, &rl, -1, 0);
	for (i = 0; i < rl.n; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		json_listener(sb, s, &s->listeners[rl.v[i]]);
	}
	sb_puts(sb, "], \"ports\": [");
	view_rows(s, o->filter, VIEW_PORTS, &rl);
	view_sort(s, VIEW_PORTS, &rl, 0, 0);
	for (i = 0; i < rl.n; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		json_port(sb, s, &s->ports[rl.v[i]]);
	}
	sb_puts(sb, "], \"services\": [");
	view_rows(s, o->filter, VIEW_SERVICES, &rl);
	view_sort(s, VIEW_SERVICES, &rl, -1, 1);
	for (i = 0; i < rl.n; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		json_service_row(sb, s, rl.v[i]);
	}
	sb_puts(sb, "], \"namespaces\": [");
	json_namespaces(sb, s);
	sb_putc(sb, ']');
	if (o->view == VIEW_SOCKETS) {
		sb_puts(sb, ", \"sockets\": [");
		view_rows(s, o->filter, VIEW_SOCKETS, &rl);
		for (i = 0; i < rl.n; i++) {
			if (i > 0)
				sb_puts(sb, ", ");
			json_socket(sb, s, rl.v[i]);
		}
		sb_putc(sb, ']');
	}
	sb_puts(sb, "}\n");
	row_list_fini(&rl);
}
