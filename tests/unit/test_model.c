/* Unit tests of the model: the join by inode and every aggregate, on hand-built tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "sockwatch/model.h"
#include "sockwatch/out.h"
#include "sockwatch/view.h"

static struct proc_rec *add_proc(struct proc_table *t, int pid, const uint32_t *ino, size_t n,
				 int readable)
{
	struct proc_rec *p;
	size_t i;

	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
	p = &t->v[t->n++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->uid = pid == 300 ? 33 : 0;
	snprintf(p->comm, sizeof p->comm, "p%d", pid);
	p->fds = readable ? (int64_t)n + 3 : 7;
	p->fd_limit = 1024;
	p->fd_readable = readable;
	p->ino_off = (uint32_t)t->ninodes;
	p->ino_n = readable ? (uint32_t)n : 0;
	for (i = 0; readable && i < n; i++) {
		t->inodes = xgrow(t->inodes, &t->inocap, t->ninodes + 1, sizeof *t->inodes);
		t->inodes[t->ninodes++] = ino[i];
	}
	return p;
}

static struct sock_rec *add_tcp(struct sock_table *t, int family, const char *src, int sport,
				const char *dst, int dport, int state, uint32_t ino)
{
	struct sock_rec *r = sock_table_add(t);

	r->family = (uint8_t)family;
	r->proto = SP_TCP;
	r->state = (uint8_t)state;
	r->inode = ino;
	r->cookie = t->n;
	r->sport = (uint16_t)sport;
	r->dport = (uint16_t)dport;
	inet_pton(family, src, r->saddr);
	inet_pton(family, dst, r->daddr);
	return r;
}

/*
 * pid 100: listener 0.0.0.0:80 (ino 10, shared with pid 200 after a fork),
 * two accepted sockets on :80 (11 ESTAB, 12 CLOSE_WAIT), a v6 listener [::]:443
 * (13) with a v4-mapped connection (15), a UDP socket (16) and an inode no
 * dump reports (99, "other"). pid 200: client of :80 (14). pid 300: unreadable.
 */
static void build(struct snapshot *s)
{
	static const uint32_t a[] = { 10, 11, 12, 13, 15, 16, 99 }, b[] = { 10, 14 };
	struct sock_rec *r;

	snapshot_init(s);
	add_proc(&s->procs, 100, a, 7, 1);
	add_proc(&s->procs, 200, b, 2, 1);
	add_proc(&s->procs, 300, NULL, 0, 0);
	add_proc(&s->procs, 400, NULL, 0, 1); /* no sockets: not shown */
	add_tcp(&s->socks, AF_INET, "0.0.0.0", 80, "0.0.0.0", 0, TS_LISTEN, 10);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "127.0.0.1", 5000, TS_ESTABLISHED, 11);
	/* The same inode again, as a non-atomic dump or MPTCP can report it. */
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "127.0.0.1", 5000, TS_ESTABLISHED, 11);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "10.0.0.2", 6000, TS_CLOSE_WAIT, 12);
	add_tcp(&s->socks, AF_INET6, "::", 443, "::", 0, TS_LISTEN, 13);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 5000, "127.0.0.1", 80, TS_ESTABLISHED, 14);
	add_tcp(&s->socks, AF_INET6, "::ffff:127.0.0.1", 443, "::ffff:127.0.0.1", 7000,
		TS_ESTABLISHED, 15);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "127.0.0.1", 5001, TS_TIME_WAIT, 0);
	r = add_tcp(&s->socks, AF_INET, "127.0.0.1", 9999, "0.0.0.0", 0, TS_CLOSE, 16);
	r->proto = SP_UDP;
	s->procs.file_nr = 100;
	s->procs.file_max = 1000;
}

static const struct proc_stats *stats_of(const struct snapshot *s, int pid)
{
	for (size_t i = 0; i < s->procs.n; i++) {
		if (s->procs.v[i].pid == pid)
			return &s->pstats[i];
	}
	fail();
	return NULL;
}

static void test_join_counts(void **state)
{
	struct snapshot s;
	const struct proc_stats *ps;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	assert_int_equal(s.totals.sockets, 9);
	assert_int_equal(s.totals.proto[SP_TCP], 8);
	assert_int_equal(s.totals.proto[SP_UDP], 1);
	assert_int_equal(s.totals.tcp_states[TS_ESTABLISHED], 4);
	assert_int_equal(s.totals.tcp_states[TS_TIME_WAIT], 1);
	assert_int_equal(s.totals.fds_max, 1000);

	ps = stats_of(&s, 100);
	assert_int_equal(ps->tcp, 5); /* 10, 11 (once), 12, 13, 15 */
	assert_int_equal(ps->udp, 1);
	assert_int_equal(ps->other, 1);
	assert_int_equal(ps->states[TS_ESTABLISHED], 2);
	assert_int_equal(ps->states[TS_CLOSE_WAIT], 1);
	assert_int_equal(ps->states[TS_LISTEN], 2);
	assert_true(ps->shown);
	ps = stats_of(&s, 200);
	assert_int_equal(ps->tcp, 2);
	assert_int_equal(ps->states[TS_LISTEN], 1);
	assert_true(stats_of(&s, 300)->shown);
	assert_false(stats_of(&s, 400)->shown);
	/* The shared listener has both owners. */
	assert_int_not_equal(s.socks.v[0].owner, NONE);
	assert_int_not_equal(s.links[s.socks.v[0].owner].next, NONE);
	assert_int_equal(s.socks.v[7].owner, NONE);
	snapshot_fini(&s);
}

static void test_listeners(void **state)
{
	struct snapshot s;
	size_t i;
	int seen = 0;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	assert_int_equal(s.nlisteners, 3);
	for (i = 0; i < s.nlisteners; i++) {
		const struct sock_rec *r = &s.socks.v[s.listeners[i].sock];

		if (r->proto == SP_TCP && r->sport == 80) {
			/* 11 counted twice by the dump is one socket, but both records are ESTAB. */
			assert_int_equal(s.listeners[i].connections, 2);
			seen |= 1;
		} else if (r->proto == SP_TCP && r->sport == 443) {
			assert_int_equal(s.listeners[i].connections, 1); /* v4-mapped */
			seen |= 2;
		} else if (r->proto == SP_UDP) {
			assert_int_equal(s.listeners[i].connections, NONE);
			seen |= 4;
		}
	}
	assert_int_equal(seen, 7);
	snapshot_fini(&s);
}

static const struct port_row *port_of(const struct snapshot *s, int port, int dir)
{
	for (size_t i = 0; i < s->nports; i++) {
		if (s->ports[i].port == port && s->ports[i].dir == dir)
			return &s->ports[i];
	}
	return NULL;
}

static void test_ports(void **state)
{
	struct snapshot s;
	const struct port_row *in80, *out80;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	in80 = port_of(&s, 80, PORT_IN);
	assert_non_null(in80);
	assert_int_equal(in80->states[TS_ESTABLISHED], 2);
	assert_int_equal(in80->states[TS_CLOSE_WAIT], 1);
	assert_int_equal(in80->states[TS_TIME_WAIT], 1);
	assert_int_equal(in80->peers, 2); /* 127.0.0.1 and 10.0.0.2 */
	assert_int_equal(in80->pid_n, 1);
	assert_int_equal(s.pids[in80->pid_off], 100);
	out80 = port_of(&s, 80, PORT_OUT);
	assert_non_null(out80);
	assert_int_equal(out80->states[TS_ESTABLISHED], 1);
	assert_int_equal(out80->pid_n, 1);
	assert_int_equal(s.pids[out80->pid_off], 200);
	assert_null(port_of(&s, 5000, PORT_IN));
	assert_non_null(port_of(&s, 443, PORT_IN));
	snapshot_fini(&s);
}

static void test_filter(void **state)
{
	struct snapshot s;
	int pids[] = { 200 };
	struct filter f = { pids, 1, -1 };

	(void)state;
	build(&s);
	snapshot_join(&s, &f);
	assert_false(stats_of(&s, 100)->shown);
	assert_true(stats_of(&s, 200)->shown);
	assert_false(stats_of(&s, 300)->shown);
	/* Only the shared listener is 200's; totals stay system-wide. */
	assert_int_equal(s.nlisteners, 1);
	assert_int_equal(s.totals.sockets, 9);
	assert_null(port_of(&s, 80, PORT_IN));
	assert_non_null(port_of(&s, 80, PORT_OUT));
	snapshot_fini(&s);

	build(&s);
	f.npids = 0;
	f.uid = 33;
	snapshot_join(&s, &f);
	assert_true(stats_of(&s, 300)->shown);
	assert_false(stats_of(&s, 100)->shown);
	snapshot_fini(&s);
}

static void test_json_unknown_is_null(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	struct out_opts o = { OUT_JSON, VIEW_SOCKETS, NULL, 1.0, 1 };
	const char *p;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	p = strstr(sb.buf, "{\"pid\": 300");
	assert_non_null(p);
	assert_non_null(strstr(p, "\"sockets\": null"));
	assert_null(strstr(sb.buf, "{\"pid\": 400"));
	assert_non_null(strstr(sb.buf, "\"sockets\": ["));
	assert_int_equal(sb.buf[sb.len - 1], '\n');
	assert_null(memchr(sb.buf, '\n', sb.len - 1));
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_table_and_csv(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	struct out_opts o = { OUT_TABLE, VIEW_PROCESSES, NULL, 1.0, 1 };
	const char *p;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "CLOSE_WAIT COMMAND\n"));
	assert_non_null(strstr(sb.buf, "[p300]"));
	sb_reset(&sb);
	o.format = OUT_CSV;
	o.view = VIEW_LISTEN;
	out_write(&sb, &s, &o);
	p = "time,iteration,proto,local,queue,connections,pids,command\r\n";
	assert_memory_equal(sb.buf, p, strlen(p));
	assert_non_null(strstr(sb.buf, ",\"100,200\","));
	sb_fini(&sb);
	snapshot_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_counts), cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_ports),	     cmocka_unit_test(test_filter),
		cmocka_unit_test(test_json_unknown_is_null),
		cmocka_unit_test(test_table_and_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
