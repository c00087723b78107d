/* Unit tests of the model: the join by inode and every aggregate, on hand-built tables. */
#include <errno.h>
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
#include "snapfix.h"

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

static void test_duplicate_records(void **state)
{
	struct snapshot s;
	struct sock_rec *r;

	(void)state;
	build(&s);
	/* The TIME_WAIT socket (no inode) reported twice, as a non-atomic dump may. */
	r = sock_table_add(&s.socks);
	*r = s.socks.v[7];
	/* Same cookie, other protocol: a different socket. */
	r = sock_table_add(&s.socks);
	*r = s.socks.v[7];
	r->proto = SP_UDP;
	snapshot_join(&s, NULL);
	assert_int_equal(s.socks.n, 10);
	assert_int_equal(s.totals.sockets, 10);
	assert_int_equal(s.totals.tcp_states[TS_TIME_WAIT], 1);
	snapshot_fini(&s);
}

static void test_socket_age(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	struct out_opts o = { OUT_TABLE, VIEW_SOCKETS, NULL, 1.0, 1 };

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	s.first_ds = 1;
	s.now_ds = 1 + 1250; /* 125 s into the run */
	for (size_t i = 0; i < s.socks.n; i++)
		s.socks.v[i].seen = 1; /* there at the start */
	s.socks.v[0].seen = 1 + 1200;  /* seen 5 s ago */
	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, " AGE "));
	assert_non_null(strstr(sb.buf, "\xe2\x89\xa5"
				       "2m05s"));
	assert_non_null(strstr(sb.buf, " 5s "));
	sb_reset(&sb);
	o.format = OUT_JSON;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\"age_seconds\": 5.0, \"age_exact\": true"));
	assert_non_null(strstr(sb.buf, "\"age_seconds\": 125.0, \"age_exact\": false"));
	sb_reset(&sb);
	o.format = OUT_CSV;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, ",5.0,"));
	assert_non_null(strstr(sb.buf, ",125.0,"));
	assert_null(strstr(sb.buf, "\xe2\x89\xa5"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

/*
 * A one-shot batch (-n 1): every socket was there at the first and only
 * refresh, so nothing is known of its age: "-", null and an empty CSV cell,
 * never a lower bound of zero.
 */
static void test_socket_age_one_shot(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	struct out_opts o = { OUT_TABLE, VIEW_SOCKETS, NULL, 1.0, 1 };
	double sec;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	s.first_ds = s.now_ds = 1;
	for (size_t i = 0; i < s.socks.n; i++)
		s.socks.v[i].seen = 1;
	assert_int_equal(sock_age(&s, 0, &sec, NULL), -1);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, " AGE "));
	assert_null(strstr(sb.buf, "\xe2\x89\xa5"));
	assert_null(strstr(sb.buf, " 0s "));
	sb_reset(&sb);
	o.format = OUT_JSON;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\"age_seconds\": null, \"age_exact\": false"));
	assert_null(strstr(sb.buf, "\"age_seconds\": 0.0"));
	sb_reset(&sb);
	o.format = OUT_CSV;
	out_write(&sb, &s, &o);
	assert_null(strstr(sb.buf, "\xe2\x89\xa5"));
	assert_null(strstr(sb.buf, ",0.0,"));
	/* One refresh later the socket has been there at least that long. */
	s.now_ds = 11;
	assert_int_equal(sock_age(&s, 0, &sec, NULL), 0);
	assert_true(sec == 1.0);
	sb_fini(&sb);
	snapshot_fini(&s);
}

/*
 * AGE is the time in the state where the kernel tells. The fixture's TIME_WAIT
 * connection (7) was seen 20 minutes ago; its 60 s timer has 47.5 s left, so
 * it has been in TIME_WAIT at least 12.5 s (a segment of the peer restarts
 * the timer). CLOSE_WAIT from tcp_info: at least the last ACK's age, at most
 * the last data's, exact when the two agree.
 */
static void test_socket_state_age(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	struct out_opts o = { OUT_TABLE, VIEW_SOCKETS, NULL, 1.0, 1 };
	struct sock_rec *tw, *cw;
	enum age_source src;
	double sec;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	s.first_ds = 1;
	s.now_ds = 1 + 12000; /* 20 min into the run */
	for (size_t i = 0; i < s.socks.n; i++)
		s.socks.v[i].seen = 2; /* first seen after the start: exact ages */
	tw = &s.socks.v[7];
	cw = &s.socks.v[3];
	assert_int_equal(tw->state, TS_TIME_WAIT);
	assert_int_equal(cw->state, TS_CLOSE_WAIT);

	/* As the dump gives it: timer 3, what is left in ms. */
	tw->timer = 3;
	tw->expires = 47500;
	assert_int_equal(sock_age(&s, 7, &sec, &src), 0);
	assert_true(sec == 12.5);
	assert_int_equal(src, AGE_STATE);
	tw->expires = 1;
	assert_int_equal(sock_age(&s, 7, &sec, NULL), 0);
	assert_true(sec == 59.9); /* cut to the tenth below: still a lower bound */
	/* Just entered (or restarted): a lower bound of nothing, not the connection's age. */
	tw->expires = 59950;
	assert_int_equal(sock_age(&s, 7, &sec, &src), -1);
	assert_int_equal(src, AGE_STATE);
	tw->expires = 60000;
	assert_int_equal(sock_age(&s, 7, &sec, NULL), -1);
	/* A FIN_WAIT2 minisocket's timer has no fixed length: since first seen. */
	tw->state = TS_FIN_WAIT2;
	assert_int_equal(sock_age(&s, 7, &sec, &src), 1);
	assert_int_equal(src, AGE_SEEN);
	assert_true(sec > 1199.0);
	tw->state = TS_TIME_WAIT;
	/* Without the minisocket's timer the kernel said nothing of the state. */
	tw->timer = 0;
	assert_int_equal(sock_age(&s, 7, &sec, &src), 1);
	assert_int_equal(src, AGE_SEEN);
	tw->timer = 3;
	tw->expires = 47500;

	/* CLOSE_WAIT without tcp_info (no age pass): since first seen. */
	assert_int_equal(sock_age(&s, 3, &sec, &src), 1);
	assert_int_equal(src, AGE_SEEN);
	/* Data and FIN together: both bounds say 4.02 s. */
	cw->last_ack = 4024;
	cw->last_data = 4050;
	assert_int_equal(sock_age(&s, 3, &sec, &src), 1);
	assert_true(sec == 4.024);
	assert_int_equal(src, AGE_STATE);
	/* A bare FIN long after the last data: at least the last ACK's age. */
	cw->last_data = 90000;
	assert_int_equal(sock_age(&s, 3, &sec, NULL), 0);
	assert_true(sec == 4.0);
	/* Bounds that cannot hold (data after the last ACK): since first seen. */
	cw->last_data = 1000;
	assert_int_equal(sock_age(&s, 3, &sec, &src), 1);
	assert_int_equal(src, AGE_SEEN);
	cw->last_data = 90000;

	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\xe2\x89\xa5"
				       "12s "));
	assert_non_null(strstr(sb.buf, "\xe2\x89\xa5"
				       "4s "));
	assert_null(strstr(sb.buf, "\xe2\x89\xa5"
				   "20m"));
	sb_reset(&sb);
	o.format = OUT_JSON;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\"age_seconds\": 12.5, \"age_exact\": false, "
				       "\"age_source\": \"state\""));
	assert_non_null(strstr(sb.buf, "\"age_seconds\": 4.0, \"age_exact\": false, "
				       "\"age_source\": \"state\""));
	assert_non_null(strstr(sb.buf, "\"age_seconds\": 1199.9, \"age_exact\": true, "
				       "\"age_source\": \"seen\""));
	sb_reset(&sb);
	o.format = OUT_CSV;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, ",age,age_exact,age_source,"));
	assert_non_null(strstr(sb.buf, ",12.5,0,state,"));
	assert_non_null(strstr(sb.buf, ",1199.9,1,seen,"));
	assert_null(strstr(sb.buf, "\xe2\x89\xa5"));

	/* A one-shot batch knows nothing of what it saw once, but the kernel's word holds. */
	s.now_ds = s.first_ds = 1;
	for (size_t i = 0; i < s.socks.n; i++)
		s.socks.v[i].seen = 1;
	assert_int_equal(sock_age(&s, 0, &sec, NULL), -1);
	assert_int_equal(sock_age(&s, 7, &sec, NULL), 0);
	assert_true(sec == 12.5);
	sb_reset(&sb);
	o.format = OUT_JSON;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\"age_seconds\": null, \"age_exact\": false, "
				       "\"age_source\": null"));
	assert_null(strstr(sb.buf, "\"age_seconds\": 0.0"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_unix_names(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	struct out_opts o = { OUT_TABLE, VIEW_SOCKETS, NULL, 1.0, 1 };
	struct sock_rec *r;

	(void)state;
	build(&s);
	r = sock_table_add(&s.socks);
	r->family = AF_UNIX;
	r->proto = SP_UNIX_STREAM;
	r->state = TS_LISTEN;
	r->cookie = 1001;
	r->name = strpool_add(&s.socks.names, "\0evil", 5);
	r = sock_table_add(&s.socks);
	r->family = AF_UNIX;
	r->proto = SP_UNIX_STREAM;
	r->state = TS_LISTEN;
	r->cookie = 1002;
	r->name = strpool_add(&s.socks.names, "@evil", 5);
	snapshot_join(&s, NULL);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	/* An abstract name and a path spelled like one never look alike. */
	assert_non_null(strstr(sb.buf, " @evil "));
	assert_non_null(strstr(sb.buf, " \\x40evil "));
	sb_reset(&sb);
	o.format = OUT_JSON;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\"path\": \"@evil\", \"abstract\": true"));
	assert_non_null(strstr(sb.buf, "\"path\": \"@evil\", \"abstract\": false"));
	sb_fini(&sb);
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
			/* 11 counted twice by the dump is one socket, but both records are ESTAB.
			 */
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
	struct filter f = { pids, 1, -1, 0, NULL, NULL };

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

/*
 * Socket fds no dump lists: listed per shown process, in inode order, then
 * judged by protocol. pid 500 holds a listed socket (20) and four unlisted
 * ones; pid 600 shares one of them (22, after a fork) and is filtered out.
 */
static void test_unlisted(void **state)
{
	static const uint32_t a[] = { 20, 21, 22, 23, 24 }, b[] = { 22 };
	static const uint8_t protos[] = { SP_TCP, SP_UDP, SP_COUNT, UL_UNASKED };
	static const uint8_t kinds[] = { UL_DEAD, UL_UNBOUND, UL_OTHER, UL_UNKNOWN };
	int pids[] = { 500 };
	struct filter f = { pids, 1, -1, 0, NULL, NULL };
	struct snapshot s;
	const struct proc_stats *ps;
	struct strbuf sb;
	struct out_opts o = { OUT_JSON, VIEW_PROCESSES, &f, 1.0, 1 };
	size_t i;

	(void)state;
	snapshot_init(&s);
	add_proc(&s.procs, 500, a, 5, 1);
	add_proc(&s.procs, 600, b, 1, 1);
	add_tcp(&s.socks, AF_INET, "127.0.0.1", 80, "127.0.0.1", 5000, TS_ESTABLISHED, 20);
	snapshot_join(&s, &f);
	assert_int_equal(stats_of(&s, 500)->other, 4);
	assert_int_equal(stats_of(&s, 600)->other, 1);
	assert_int_equal(s.nunlisted, 4); /* 600 is not shown: nothing to ask about it */
	for (i = 0; i < s.nunlisted; i++) {
		assert_int_equal(s.unlisted[i].inode, a[i + 1]);
		assert_int_equal(s.unlisted[i].proc, 0);
		assert_int_equal(s.unlisted[i].proto, UL_UNASKED);
		s.unlisted[i].proto = protos[i];
	}
	snapshot_count_unlisted(&s);
	snapshot_count_unlisted(&s); /* counted afresh, not twice */
	for (i = 0; i < s.nunlisted; i++)
		assert_int_equal(s.unlisted[i].kind, kinds[i]);
	ps = stats_of(&s, 500);
	assert_int_equal(ps->dead, 1);
	assert_int_equal(ps->unbound, 1);
	assert_int_equal(ps->other, 4);
	assert_int_equal(ps->tcp, 1);
	/* JSON keeps other (all of them) and says which are dead or unbound; CSV has DEAD. */
	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\"other\": 4, \"dead\": 1, \"unbound\": 1, \"states\""));
	sb_reset(&sb);
	o.format = OUT_CSV;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, ",close_wait,dead,leak,"));
	assert_non_null(strstr(sb.buf, ",0,1,-,")); /* CLOSE_WAIT 0, DEAD 1, LEAK - */
	sb_fini(&sb);

	/* Without the TCP/IPv6 dump, a TCP socket in no dump may be in the missing one. */
	s.diag.err[DD_TCP6] = -ENOENT;
	s.diag.err[DD_UDPLITE4] = -ENOENT; /* another protocol's: no matter */
	snapshot_count_unlisted(&s);
	assert_int_equal(s.unlisted[0].kind, UL_OTHER);
	assert_int_equal(stats_of(&s, 500)->dead, 0);
	assert_int_equal(stats_of(&s, 500)->unbound, 1);
	snapshot_fini(&s);

	/* Every socket listed: nothing to ask. */
	build(&s);
	s.procs.v[0].ino_n--; /* pid 100 without its last inode, 99 */
	snapshot_join(&s, NULL);
	assert_int_equal(s.nunlisted, 0);
	snapshot_fini(&s);
}

static void test_kernel_proto_names(void **state)
{
	(void)state;
	assert_int_equal(sock_proto_by_kernel_name("TCP"), SP_TCP);
	assert_int_equal(sock_proto_by_kernel_name("TCPv6"), SP_TCP);
	assert_int_equal(sock_proto_by_kernel_name("UDP"), SP_UDP);
	assert_int_equal(sock_proto_by_kernel_name("UDPv6"), SP_UDP);
	assert_int_equal(sock_proto_by_kernel_name("UDP-Lite"), SP_UDPLITE);
	assert_int_equal(sock_proto_by_kernel_name("UDPLITEv6"), SP_UDPLITE);
	assert_int_equal(sock_proto_by_kernel_name("UNIX"), SP_UNIX_STREAM);
	assert_int_equal(sock_proto_by_kernel_name("UNIX-STREAM"), SP_UNIX_STREAM);
	assert_int_equal(sock_proto_by_kernel_name("NETLINK"), SP_COUNT);
	assert_int_equal(sock_proto_by_kernel_name("MPTCP"), SP_COUNT);
	assert_int_equal(sock_proto_by_kernel_name("tcp"), SP_COUNT);
	assert_int_equal(sock_proto_by_kernel_name(""), SP_COUNT);
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
	assert_non_null(strstr(p, "\"other\": null, \"dead\": null, \"unbound\": null"));
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
	s.socks.v[0].rqueue = 6; /* the :80 listener's accept queue, over its backlog */
	s.socks.v[0].wqueue = 5;
	snapshot_join(&s, NULL);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "CLOSE_WAIT DEAD LEAK COMMAND\n"));
	assert_non_null(strstr(sb.buf, "[p300]"));
	sb_reset(&sb);
	o.view = VIEW_LISTEN;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, " QUEUE/BACKLOG "));
	assert_non_null(strstr(sb.buf, " 6/5 "));
	assert_null(strstr(sb.buf, " BACKLOG "));
	/* CSV says no "?" for what is unknown (the counts and state of p300): the cell is empty. */
	sb_reset(&sb);
	o.format = OUT_CSV;
	o.view = VIEW_PROCESSES;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, ",300,33,,7,1024,0.6,,,,,,,,-,"));
	assert_null(strstr(sb.buf, "?"));
	sb_reset(&sb);
	o.view = VIEW_LISTEN;
	out_write(&sb, &s, &o);
	/* QUEUE/BACKLOG is two numbers on screen, so two cells in CSV. */
	p = "time,iteration,proto,local,queue,backlog,connections,rx_bytes_per_second,"
	    "tx_bytes_per_second,retransmits_per_second,rtt_median_seconds,pids,netns,command\r\n";
	assert_memory_equal(sb.buf, p, strlen(p));
	assert_non_null(strstr(sb.buf, ",6,5,"));
	assert_null(strstr(sb.buf, "6/5"));
	/* No tcp_info: the traffic cells are empty, not 0 nor "-". */
	assert_non_null(strstr(sb.buf, ",,,,\"100,200\","));
	assert_non_null(strstr(sb.buf, ",\"100,200\","));
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* With -p, the table's process counts follow the filter and the totals say they are the machine's.
 */
static void test_table_summary_filtered(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	int pids[] = { 200 };
	struct filter f = { pids, 1, -1, 0, NULL, NULL };
	struct out_opts o = { OUT_TABLE, VIEW_PROCESSES, &f, 1.0, 1 };

	(void)state;
	build(&s);
	s.procs.denied = 1; /* pid 300, which -p 200 does not ask about */
	snapshot_join(&s, &f);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\nSockets (whole machine): 9 total"));
	assert_non_null(strstr(sb.buf, "\nFiles (whole machine): 100/1000 allocated\n"));
	assert_null(strstr(sb.buf, "not inspectable"));
	snapshot_fini(&s);
	build(&s);
	s.procs.denied = 1;
	snapshot_join(&s, NULL);
	sb_reset(&sb);
	o.filter = NULL;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "\nSockets: 9 total"));
	assert_non_null(strstr(sb.buf, "allocated, 1 process not inspectable\n"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_counts),
		cmocka_unit_test(test_duplicate_records),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_unix_names),
		cmocka_unit_test(test_socket_age),
		cmocka_unit_test(test_socket_age_one_shot),
		cmocka_unit_test(test_socket_state_age),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_json_unknown_is_null),
		cmocka_unit_test(test_table_and_csv),
		cmocka_unit_test(test_table_summary_filtered),
		cmocka_unit_test(test_unlisted),
		cmocka_unit_test(test_kernel_proto_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
