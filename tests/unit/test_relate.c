/*
 * Unit tests of the model's relations: which listener and port row each socket
 * is counted for, SO_REUSEPORT sharing, stable row keys, and that the TUI's
 * drill-down and the writers show exactly what the model decided.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snapfix.h"
#include "sockwatch/out.h"
#include "sockwatch/present.h"
#include "../../src/ui/ui_int.h"

/* The index of the socket with this inode (first record), or fail. */
static uint32_t sock_of(const struct snapshot *s, uint32_t ino)
{
	for (size_t i = 0; i < s->socks.n; i++) {
		if (s->socks.v[i].inode == ino)
			return (uint32_t)i;
	}
	fail();
	return NONE;
}

/* The listener row of the listening socket with this inode, or fail. */
static uint32_t listener_of(const struct snapshot *s, uint32_t ino)
{
	for (size_t i = 0; i < s->nlisteners; i++) {
		if (s->socks.v[s->listeners[i].sock].inode == ino)
			return (uint32_t)i;
	}
	fail();
	return NONE;
}

/* ESTABLISHED sockets the model counts for listener row l. */
static uint32_t estab_members(const struct snapshot *s, uint32_t l)
{
	uint32_t n = 0;

	for (size_t i = 0; i < s->socks.n; i++)
		n += s->socks.v[i].state == TS_ESTABLISHED &&
		     sock_member(s, (uint32_t)i, ROW_LISTENER, l);
	return n;
}

static void assert_conns_are_members(const struct snapshot *s)
{
	for (size_t l = 0; l < s->nlisteners; l++) {
		if (s->listeners[l].connections != NONE)
			assert_int_equal(estab_members(s, (uint32_t)l),
					 s->listeners[l].connections);
	}
}

static void test_fixture_relations(void **state)
{
	struct snapshot s;
	uint32_t l80, l443;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	l80 = listener_of(&s, 10);
	l443 = listener_of(&s, 13);
	/* A listener is its own; its accepted sockets in every state are counted for it. */
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 10)), l80);
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 11)), l80);
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 12)), l80);	/* CLOSE_WAIT */
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 15)), l443); /* v4-mapped on [::] */
	/* The client end (local port 5000) and the UDP socket belong to no TCP listener. */
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 14)), NONE);
	assert_int_equal(sock_port_row(&s, sock_of(&s, 10)), NONE);
	assert_conns_are_members(&s);
	/* The port row of :80 in holds its accepted sockets, the client's :80 out row the client.
	 */
	assert_true(sock_port_row(&s, sock_of(&s, 11)) != NONE);
	assert_int_equal(s.ports[sock_port_row(&s, sock_of(&s, 11))].dir, PORT_IN);
	assert_int_equal(s.ports[sock_port_row(&s, sock_of(&s, 14))].dir, PORT_OUT);
	assert_true(sock_member(&s, sock_of(&s, 12), ROW_PORT, sock_port_row(&s, sock_of(&s, 11))));
	/* Owners. */
	assert_true(sock_owned_by(&s, sock_of(&s, 10), 0));
	assert_true(sock_owned_by(&s, sock_of(&s, 10), 1));
	assert_false(sock_owned_by(&s, sock_of(&s, 11), 1));
	assert_int_equal(sock_owner(&s, sock_of(&s, 14)), 1);
	snapshot_fini(&s);
}

/* A specific address beats the wildcard of its port; the wildcard takes the rest. */
static void test_specific_and_wildcard(void **state)
{
	struct snapshot s;
	static const uint32_t inos[] = { 50, 51, 52, 53, 54, 55 };
	uint32_t lw, ls4, ls6, lw6;

	(void)state;
	snapshot_init(&s);
	add_proc(&s.procs, 100, inos, 6, 1);
	add_tcp(&s.socks, AF_INET, "0.0.0.0", 8080, "0.0.0.0", 0, TS_LISTEN, 50);
	add_tcp(&s.socks, AF_INET, "127.0.0.2", 8080, "0.0.0.0", 0, TS_LISTEN, 51);
	add_tcp(&s.socks, AF_INET6, "::", 8080, "::", 0, TS_LISTEN, 52);
	add_tcp(&s.socks, AF_INET6, "::ffff:127.0.0.5", 8080, "::", 0, TS_LISTEN, 53);
	/* Accepted: on 127.0.0.2 (specific), on 127.0.0.1 (wildcard), on ::1 and a mapped. */
	add_tcp(&s.socks, AF_INET, "127.0.0.2", 8080, "127.0.0.1", 4000, TS_ESTABLISHED, 54);
	add_tcp(&s.socks, AF_INET, "127.0.0.1", 8080, "127.0.0.1", 4001, TS_ESTABLISHED, 55);
	add_tcp(&s.socks, AF_INET6, "::1", 8080, "::1", 4002, TS_ESTABLISHED, 0);
	add_tcp(&s.socks, AF_INET6, "::ffff:127.0.0.5", 8080, "::ffff:127.0.0.1", 4003,
		TS_ESTABLISHED, 0);
	add_tcp(&s.socks, AF_INET6, "::ffff:127.0.0.6", 8080, "::ffff:127.0.0.1", 4004,
		TS_ESTABLISHED, 0);
	snapshot_join(&s, NULL);
	lw = listener_of(&s, 50);
	ls4 = listener_of(&s, 51);
	lw6 = listener_of(&s, 52);
	ls6 = listener_of(&s, 53);
	assert_int_equal(s.listeners[ls4].connections, 1);
	assert_int_equal(s.listeners[lw].connections, 1);
	assert_int_equal(s.listeners[ls6].connections, 1); /* its own mapped address */
	assert_int_equal(s.listeners[lw6].connections, 2); /* ::1 and the other mapped one */
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 54)), ls4);
	assert_conns_are_members(&s);
	snapshot_fini(&s);
}

/*
 * Two processes with a listener each on 127.0.0.3:9000 (SO_REUSEPORT): each
 * accepted socket is counted for the listener of the process holding it; a
 * socket nobody holds goes to the first.
 */
static void build_reuseport(struct snapshot *s)
{
	static const uint32_t a[] = { 60, 62, 63, 64, 65 }, b[] = { 61, 66, 67 };

	snapshot_init(s);
	add_proc(&s->procs, 100, a, 5, 1);
	add_proc(&s->procs, 200, b, 3, 1);
	add_tcp(&s->socks, AF_INET, "127.0.0.3", 9000, "0.0.0.0", 0, TS_LISTEN, 60);
	add_tcp(&s->socks, AF_INET, "127.0.0.3", 9000, "0.0.0.0", 0, TS_LISTEN, 61);
	for (int i = 0; i < 4; i++)
		add_tcp(&s->socks, AF_INET, "127.0.0.3", 9000, "127.0.0.1", 5000 + i,
			TS_ESTABLISHED, a[1 + i]);
	for (int i = 0; i < 2; i++)
		add_tcp(&s->socks, AF_INET, "127.0.0.3", 9000, "127.0.0.1", 6000 + i,
			TS_ESTABLISHED, b[1 + i]);
	add_tcp(&s->socks, AF_INET, "127.0.0.3", 9000, "127.0.0.1", 7000, TS_TIME_WAIT, 0);
}

static void test_reuseport(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	struct out_opts o = { OUT_PROMETHEUS, VIEW_SOCKETS, NULL, 1.0, 1 };
	uint32_t la, lb;
	const char *p;

	(void)state;
	build_reuseport(&s);
	snapshot_join(&s, NULL);
	la = listener_of(&s, 60);
	lb = listener_of(&s, 61);
	assert_int_equal(s.listeners[la].connections, 4);
	assert_int_equal(s.listeners[lb].connections, 2);
	assert_int_equal(s.listeners[la].connections + s.listeners[lb].connections, 6);
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 66)), lb);
	assert_int_equal(sock_listener_row(&s, (uint32_t)s.socks.n - 1), la); /* TIME_WAIT */
	assert_conns_are_members(&s);
	assert_int_equal(s.listeners[lb].group, la);

	/* Prometheus: one series for the address, the sum of both. */
	sb_init(&sb);
	out_write(&sb, &s, &o);
	p = strstr(sb.buf, "sockwatch_listener_connections{proto=\"tcp\",address=\"127.0.0.3\","
			   "port=\"9000\","
			   "netns=\"0\",netns_name=\"host\"} 6\n");
	assert_non_null(p);
	assert_null(strstr(p + 1,
			   "sockwatch_listener_connections{proto=\"tcp\",address=\"127.0.0.3\""));

	/* JSON: two ids; every socket names the one it is counted for. */
	sb_reset(&sb);
	o.format = OUT_JSON;
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, "{\"id\": \"tcp:1\", \"proto\": \"tcp\""));
	assert_non_null(strstr(sb.buf, "{\"id\": \"tcp:2\", \"proto\": \"tcp\""));
	p = strstr(sb.buf, "\"cookie\": \"7\"");
	assert_non_null(p);
	assert_memory_equal(strstr(p, "\"listener\": "), "\"listener\": \"tcp:2\"", 19);
	p = strstr(sb.buf, "\"cookie\": \"3\"");
	assert_non_null(p);
	assert_memory_equal(strstr(p, "\"listener\": "), "\"listener\": \"tcp:1\"", 19);
	sb_fini(&sb);

	/* Filtered to pid 200: its listener is shown, with only its own connections. */
	{
		int pids[] = { 200 };
		struct filter f = { pids, 1, -1, 0, NULL, NULL };

		snapshot_fini(&s);
		build_reuseport(&s);
		snapshot_join(&s, &f);
		assert_int_equal(s.nlisteners, 1);
		assert_int_equal(s.listeners[0].connections, 2);
		assert_int_equal(s.listeners[0].group, 0);
	}
	snapshot_fini(&s);
}

static void test_unix_listener(void **state)
{
	struct snapshot s;
	struct sock_rec *r;
	static const uint32_t inos[] = { 70, 71, 72 };
	uint32_t l;

	(void)state;
	snapshot_init(&s);
	add_proc(&s.procs, 100, inos, 3, 1);
	for (int i = 0; i < 3; i++) {
		r = sock_table_add(&s.socks);
		r->family = AF_UNIX;
		r->proto = SP_UNIX_STREAM;
		r->state = i == 0 ? TS_LISTEN : TS_ESTABLISHED;
		r->inode = inos[i];
		r->cookie = 80 + (uint64_t)i;
		/* An accepted UNIX socket carries its listener's path; the client end has none. */
		if (i < 2)
			r->name = strpool_add(&s.socks.names, "/run/app.sock", 13);
	}
	snapshot_join(&s, NULL);
	l = listener_of(&s, 70);
	assert_int_equal(s.listeners[l].connections, 1);
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 71)), l);
	assert_int_equal(sock_listener_row(&s, sock_of(&s, 72)), NONE);
	snapshot_fini(&s);
}

/* Row keys survive a new snapshot; a key of a row that went away finds nothing. */
static void test_row_keys(void **state)
{
	struct snapshot s;
	struct row_key k[ROW_KIND_COUNT];

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	k[ROW_PROC] = model_row_key(&s, ROW_PROC, 1);
	k[ROW_LISTENER] = model_row_key(&s, ROW_LISTENER, 0);
	k[ROW_PORT] = model_row_key(&s, ROW_PORT, 0);
	k[ROW_SOCKET] = model_row_key(&s, ROW_SOCKET, 3);
	snapshot_join(&s, NULL);
	assert_int_equal(model_row_find(&s, ROW_PROC, k[ROW_PROC]), 1);
	assert_int_equal(model_row_find(&s, ROW_LISTENER, k[ROW_LISTENER]), 0);
	assert_int_equal(model_row_find(&s, ROW_PORT, k[ROW_PORT]), 0);
	assert_int_equal(model_row_find(&s, ROW_SOCKET, k[ROW_SOCKET]), 3);
	k[ROW_PROC].b++; /* the same pid, started again */
	assert_int_equal(model_row_find(&s, ROW_PROC, k[ROW_PROC]), NONE);
	snapshot_fini(&s);
}

/* The TUI's drill-down into each listener lists exactly the sockets counted for it. */
static void test_drill_lists_members(void **state)
{
	struct snapshot s;
	struct config cfg;
	struct ui u;
	struct ui_event down = { UK_DOWN, 0, 0 }, enter = { UK_ENTER, 0, 0 },
			esc = { UK_ESC, 0, 0 };
	struct ui_event two = { '2', 0, 0 };

	(void)state;
	build_reuseport(&s);
	snapshot_join(&s, NULL);
	config_defaults(&cfg);
	ui_init(&u, &cfg);
	u.snap = &s;
	u.w = 120;
	u.h = 30;
	ui_handle(&u, &two);
	for (size_t n = 0; n < s.nlisteners; n++) {
		uint32_t l, members = 0;

		assert_int_equal(u.view, VIEW_LISTEN);
		l = u.rows.v[u.cursor];
		ui_handle(&u, &enter);
		assert_int_equal(u.view, VIEW_SOCKETS);
		for (size_t i = 0; i < s.socks.n; i++)
			members += sock_member(&s, (uint32_t)i, ROW_LISTENER, l);
		assert_int_equal(u.rows.n, members);
		for (size_t i = 0; i < u.rows.n; i++)
			assert_true(sock_member(&s, u.rows.v[i], ROW_LISTENER, l));
		/* A new snapshot: the drill-down finds its listener again by key. */
		ui_rebuild(&u);
		assert_int_equal(u.rows.n, members);
		ui_handle(&u, &esc);
		ui_handle(&u, &down);
	}
	ui_fini(&u);
	snapshot_fini(&s);
}

/* Cell colours come from the thresholds in use, not from the cell's text. */
static void test_severity_follows_thresholds(void **state)
{
	struct snapshot s;
	const struct view_def *vd = view_get(VIEW_PROCESSES);
	const struct column *fdpct = NULL;
	struct leak_config lc;
	struct config cfg;
	struct strbuf sb;

	(void)state;
	for (size_t k = 0; k < vd->ncols; k++) {
		if (strcmp(vd->cols[k].key, "fd_pct") == 0)
			fdpct = &vd->cols[k];
	}
	assert_non_null(fdpct);
	assert_non_null(fdpct->sev);
	build(&s);
	snapshot_join(&s, NULL);
	s.procs.v[0].fds = 600; /* of 1024: 58.6% */
	config_defaults(&cfg);
	lc = cfg.leak;
	assert_int_equal(fdpct->sev(&s, &lc, 0), SEV_NORMAL);
	lc.fd_warn = 0.50;
	assert_int_equal(fdpct->sev(&s, &lc, 0), SEV_WARN);
	lc.fd_crit = 0.55;
	assert_int_equal(fdpct->sev(&s, &lc, 0), SEV_CRIT);
	/* Unknown fds read dim. */
	s.procs.v[2].fds = PROC_UNKNOWN;
	assert_int_equal(fdpct->sev(&s, &lc, 2), SEV_DIM);
	/* A soft limit of 0 with fds held is over any share: critical, not unknown. */
	s.procs.v[0].fd_limit = 0;
	assert_int_equal(fdpct->sev(&s, &lc, 0), SEV_CRIT);
	sb_init(&sb);
	fdpct->fmt(&sb, &s, 0);
	assert_string_equal(sb.buf, ">100");
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* Give the record(s) of inode ino tcp_info: rates when rated, and an RTT. */
static void give_tcpi(struct snapshot *s, uint32_t ino, int rated, float rx, float tx, float retr,
		      uint32_t rtt)
{
	size_t i;

	for (i = 0; i < s->socks.n; i++) {
		struct sock_rec *r = &s->socks.v[i];
		struct sock_tcpi *x;

		if (r->inode != ino || r->proto != SP_TCP)
			continue;
		x = sock_table_add_tcpi(&s->socks, r);
		x->have = TCPI_BYTES | (rated ? TCPI_RATED : 0);
		x->rx = rx;
		x->tx = tx;
		x->retr = retr;
		x->rtt_us = rtt;
	}
}

/*
 * Traffic follows the join's membership: a process sums the sockets it holds
 * (a forked listener counts for both), a listener its connections, a port row
 * its sockets; a socket without a rate adds no rate but its RTT; the RTT is
 * over ESTABLISHED sockets, a median (mean of the middle two when even).
 */
static void test_traffic_sums(void **state)
{
	struct snapshot s;
	const struct traffic *t;
	uint32_t p100, p200, p300, row, i;
	double rx = 0, tx = 0;

	(void)state;
	build(&s);
	give_tcpi(&s, 10, 1, 0, 0, 0, 0);	  /* the listener: rated, idle */
	give_tcpi(&s, 11, 1, 100, 10, 1, 100);	  /* ESTAB on :80 (listed twice) */
	give_tcpi(&s, 12, 1, 50, 5, 2, 900);	  /* CLOSE_WAIT on :80: no RTT */
	give_tcpi(&s, 14, 1, 7, 70, 0, 300);	  /* pid 200's client */
	give_tcpi(&s, 15, 0, 1000, 1000, 9, 200); /* new: an RTT, no rate */
	snapshot_join(&s, NULL);
	assert_null(row_traffic(&s, ROW_PROC, 0)); /* not asked: none, not zero */

	s.tcp_info = 1;
	snapshot_join(&s, NULL);
	p100 = snapshot_proc_by_pid(&s, 100);
	p200 = snapshot_proc_by_pid(&s, 200);
	p300 = snapshot_proc_by_pid(&s, 300);
	t = row_traffic(&s, ROW_PROC, p100);
	assert_non_null(t);
	assert_int_equal(t->rated, 3); /* 10, 11 (once), 12 */
	assert_true(t->rx == 150 && t->tx == 15 && t->retr == 3);
	assert_int_equal(t->rtt_n, 2); /* 11 and 15 */
	assert_true(t->rtt_med == 150 && t->rtt_max == 200);
	t = row_traffic(&s, ROW_PROC, p200);
	assert_int_equal(t->rated, 2); /* the forked listener, and 14 */
	assert_true(t->rx == 7 && t->tx == 70);
	assert_true(t->rtt_med == 300 && t->rtt_max == 300);
	t = row_traffic(&s, ROW_PROC, p300);
	assert_int_equal(t->rated, 0);
	assert_int_equal(t->rtt_n, 0);
	/* The totals count records, as totals.sockets does: 11 twice. */
	t = &s.totals.traffic;
	assert_true(t->rx == 257 && t->tx == 95 && t->retr == 4);
	assert_int_equal(t->rtt_n, 4);
	assert_true(t->rtt_med == 150 && t->rtt_max == 300);

	/* The :80 listener: its connections, not itself. */
	row = sock_listener_row(&s, sock_of(&s, 10));
	assert_true(row != NONE);
	rx = tx = 0;
	for (i = 0; i < s.socks.n; i++) {
		const struct sock_tcpi *x = snapshot_tcpi(&s, i);

		if (x != NULL && sock_listener_row(&s, i) == row &&
		    s.socks.v[i].state != TS_LISTEN) {
			rx += x->rx;
			tx += x->tx;
		}
	}
	t = row_traffic(&s, ROW_LISTENER, row);
	assert_true(rx >= 150 && t->rx == rx && t->tx == tx);
	/* Every port row is the sum of the sockets the model puts in it. */
	for (row = 0; row < s.nports; row++) {
		rx = tx = 0;
		for (i = 0; i < s.socks.n; i++) {
			const struct sock_tcpi *x = snapshot_tcpi(&s, i);

			if (x != NULL && (x->have & TCPI_RATED) && sock_port_row(&s, i) == row) {
				rx += x->rx;
				tx += x->tx;
			}
		}
		t = row_traffic(&s, ROW_PORT, row);
		assert_true(t->rx == rx && t->tx == tx);
	}
	snapshot_fini(&s);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Rows of 1 to 9 established sockets (times scale), each with an RTT from seed. */
static void medians_fixture(struct snapshot *s, unsigned seed, int scale, int rtt_only)
{
	static const int nest[] = { 1, 2, 3, 4, 9 };
	uint32_t ino[160], ino0 = 1000;
	size_t nproc = sizeof nest / sizeof nest[0], p, i;

	add_tcp(&s->socks, AF_INET, "127.0.0.5", 9100, "0.0.0.0", 0, TS_LISTEN, ino0);
	for (p = 0; p < nproc; p++) {
		size_t n = 0;

		ino[n++] = ino0; /* the forked listener */
		if (p == 1)
			ino[n++] = ino0 + 1; /* pid 501 also holds pid 500's first socket */
		for (i = 0; i < (size_t)(nest[p] * scale) + 1; i++) {
			uint32_t me = ino0 + 1 + (uint32_t)(p * 128 + i);
			/* The last one of each is in CLOSE_WAIT: rates, no RTT. */
			int st = i == (size_t)(nest[p] * scale) ? TS_CLOSE_WAIT : TS_ESTABLISHED;

			add_tcp(&s->socks, AF_INET, "127.0.0.5", 9100, "127.0.0.1",
				(int)(20000 + p * 128 + i), st, me);
			ino[n++] = me;
		}
		add_proc(&s->procs, (int)(500 + p), ino, n, 1);
	}
	s->socks.rtt_only = (uint8_t)rtt_only;
	for (i = 0; i < s->socks.n; i++) {
		struct sock_tcpi *x;

		seed = seed * 1103515245u + 12345u;
		if (rtt_only) {
			sock_table_add_rtt(&s->socks, &s->socks.v[i], 50 + (seed >> 16) % 1000);
			continue;
		}
		x = sock_table_add_tcpi(&s->socks, &s->socks.v[i]);
		x->have = TCPI_BYTES;
		x->rtt_us = 50 + (seed >> 16) % 1000;
	}
	s->tcp_info = 1;
}

/* Socket i's RTT, whether the table holds its tcp_info or its RTT alone. */
static uint32_t rtt_of(const struct snapshot *s, size_t i)
{
	const struct sock_rec *r = &s->socks.v[i];

	return s->socks.rtt_only ? s->socks.rtt[r->tcpi] : snapshot_tcpi(s, (uint32_t)i)->rtt_us;
}

/* Each row's median and maximum RTT against a sort of its members (sock_member). */
static void check_medians(const struct snapshot *s)
{
	uint32_t vals[256];
	size_t i;
	int k;

	for (k = ROW_PROC; k <= ROW_KIND_COUNT; k++) {
		size_t nrows = k == ROW_PROC	   ? s->procs.n
			       : k == ROW_SERVICE  ? s->nservices
			       : k == ROW_LISTENER ? s->nlisteners
			       : k == ROW_PORT	   ? s->nports
			       : k == ROW_SOCKET   ? 0
						   : 1;
		size_t row;

		for (row = 0; row < nrows; row++) {
			const struct traffic *t = row_traffic(s, (enum row_kind)k, (uint32_t)row);
			size_t n = 0;
			double want;

			for (i = 0; i < s->socks.n; i++) {
				const struct sock_rec *r = &s->socks.v[i];

				if (r->state != TS_ESTABLISHED ||
				    (k != ROW_KIND_COUNT &&
				     !sock_member(s, (uint32_t)i, (enum row_kind)k,
						  (uint32_t)row)) ||
				    ((k == ROW_PROC || k == ROW_SERVICE) && r->dup))
					continue;
				assert_true(n < sizeof vals / sizeof vals[0]);
				vals[n++] = rtt_of(s, i);
			}
			assert_non_null(t);
			assert_int_equal(t->rtt_n, n);
			if (n == 0)
				continue;
			qsort(vals, n, sizeof vals[0], cmp_u32);
			want = n % 2 ? vals[n / 2] : ((double)vals[n / 2 - 1] + vals[n / 2]) / 2.0;
			if (t->rtt_med != want || t->rtt_max != vals[n - 1])
				fail_msg("kind %d row %zu: median %g max %u, want %g and %u", k,
					 row, t->rtt_med, t->rtt_max, want, vals[n - 1]);
		}
	}
}

/*
 * The RTT medians against a sort of each row's members, for rows of 1 to 9
 * established sockets, a socket two processes hold, and other states mixed
 * in: the medians of one or two come from the range, the others from runs
 * laid out per kind, which must not spill into each other.
 */
static void test_traffic_medians(void **state)
{
	struct snapshot s;

	(void)state;
	snapshot_init(&s);
	medians_fixture(&s, 7, 1, 0);
	snapshot_join(&s, NULL);
	check_medians(&s);
	assert_int_equal(s.totals.traffic.rtt_n, 1 + 2 + 3 + 4 + 9);
	snapshot_fini(&s);
}

/*
 * The same sockets with their RTTs alone (rtt_only: a one-refresh run that
 * shows no socket's tcp_info): every row's traffic is the same, field by field.
 */
static void test_rtt_only_sums(void **state)
{
	struct snapshot full, lean;
	uint32_t row;
	int k;

	(void)state;
	snapshot_init(&full);
	snapshot_init(&lean);
	medians_fixture(&full, 7, 3, 0);
	medians_fixture(&lean, 7, 3, 1);
	snapshot_join(&full, NULL);
	snapshot_join(&lean, NULL);
	check_medians(&lean);
	assert_int_equal(lean.socks.nti, 0);
	for (k = ROW_PROC; k < ROW_KIND_COUNT; k++) {
		size_t nrows = k == ROW_PROC	   ? full.procs.n
			       : k == ROW_SERVICE  ? full.nservices
			       : k == ROW_LISTENER ? full.nlisteners
			       : k == ROW_PORT	   ? full.nports
						   : 0;

		for (row = 0; row < nrows; row++) {
			const struct traffic *a = row_traffic(&full, (enum row_kind)k, row);
			const struct traffic *b = row_traffic(&lean, (enum row_kind)k, row);

			assert_non_null(a);
			assert_non_null(b);
			assert_memory_equal(a, b, sizeof *a);
		}
	}
	assert_memory_equal(&full.totals.traffic, &lean.totals.traffic, sizeof full.totals.traffic);
	assert_true(full.totals.traffic.rtt_n > 0);
	snapshot_fini(&full);
	snapshot_fini(&lean);
}

/*
 * Two snapshots that share a join's scratch (the TUI's), joined in turn, the
 * bigger one in between: each one's medians are its own, as joined alone.
 */
static void test_shared_scratch(void **state)
{
	struct snapshot a, b;

	(void)state;
	snapshot_init(&a);
	snapshot_init(&b);
	snapshot_share_scratch(&b, &a);
	medians_fixture(&a, 7, 1, 0);
	medians_fixture(&b, 11, 10, 0);
	snapshot_join(&b, NULL);
	snapshot_join(&a, NULL);
	check_medians(&a);
	check_medians(&b);
	assert_int_equal(a.totals.traffic.rtt_n, 1 + 2 + 3 + 4 + 9);
	assert_int_equal(b.totals.traffic.rtt_n, 10 + 20 + 30 + 40 + 90);
	snapshot_join(&b, NULL);
	check_medians(&b);
	check_medians(&a);
	snapshot_fini(&b);
	snapshot_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_relations),
		cmocka_unit_test(test_specific_and_wildcard),
		cmocka_unit_test(test_reuseport),
		cmocka_unit_test(test_unix_listener),
		cmocka_unit_test(test_row_keys),
		cmocka_unit_test(test_drill_lists_members),
		cmocka_unit_test(test_severity_follows_thresholds),
		cmocka_unit_test(test_traffic_sums),
		cmocka_unit_test(test_traffic_medians),
		cmocka_unit_test(test_shared_scratch),
		cmocka_unit_test(test_rtt_only_sums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
