/*
 * Unit tests of the filter expressions (src/model/expr.c): the grammar and
 * its errors, the evaluator on a hand-built snapshot, the join under an
 * expression, and the kernel program: a faithful copy of the kernel's
 * auditor and interpreter (inet_diag_bc_audit, inet_diag_bc_run) checks
 * that every program is one the kernel takes and that it accepts every
 * socket the expression matches. The live kernel runs the same programs in
 * tests/integration/test_filter.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/inet_diag.h>

#include "kernelbc.h"
#include "snapfix.h"
#include "sockwatch/expr.h"

static struct sock_expr *parse(const char *text)
{
	struct strbuf err;
	struct sock_expr *e;

	sb_init(&err);
	e = sock_expr_parse_str(text, &err);
	if (e == NULL)
		print_error("unexpected error for '%s': %s\n", text, err.buf);
	sb_fini(&err);
	assert_non_null(e);
	return e;
}

/* The error of a bad expression, which must name want (a column, a word). */
static void bad(const char *text, const char *want)
{
	struct strbuf err;
	struct sock_expr *e;

	sb_init(&err);
	e = sock_expr_parse_str(text, &err);
	if (e != NULL)
		print_error("'%s' parsed\n", text);
	assert_null(e);
	assert_non_null(err.buf);
	if (strstr(err.buf, want) == NULL)
		print_error("'%s': error '%s' lacks '%s'\n", text, err.buf, want);
	assert_non_null(strstr(err.buf, want));
	for (const char *c = err.buf; *c != '\0'; c++)
		assert_true((unsigned char)*c >= 0x20 && *c != 0x7f); /* one line, no controls */
	sb_fini(&err);
}

static void test_grammar(void **state)
{
	static const char *const good[] = {
		"",
		"state established",
		"state established state listening",
		"exclude listening exclude time-wait",
		"state connected",
		"state synchronized",
		"state bucket",
		"state big",
		"state all",
		"state CLOSE-WAIT",
		"dport = :443",
		"dport == :443",
		"dport eq :443",
		"dport :443",
		"dport 443",
		"dport != :443",
		"dport ne :443",
		"dport neq :443",
		"dport > :1024",
		"dport gt :1024",
		"dport < :1024",
		"dport lt :1024",
		"dport >= :1024",
		"dport ge :1024",
		"dport geq :1024",
		"dport <= :1024",
		"dport le :1024",
		"dport leq :1024",
		"dport = :ssh",
		"sport = :0x16",
		"dport = :",
		"dport = :*",
		"src 127.0.0.1",
		"src = 127.0.0.1",
		"src 127.0.0.1:22",
		"src 127.0.0.1:*",
		"src 10.0.0.0/8",
		"src 10.0.0.0/8:80",
		"src [::1]",
		"src [::1]:22",
		"src ::1",
		"src ::1/128",
		"src [::ffff:127.0.0.1]",
		"src *:22",
		"src *",
		"src inet:127.0.0.1",
		"src inet6:[::1]",
		"src unix:/run/*",
		"dst unix:@*",
		"src != 127.0.0.1",
		"( dport = :443 or sport = :443 )",
		"(dport = :443 or sport = :443)",
		"state established ( dport = :443 )",
		"not dport = :22",
		"! dport = :22",
		"!( dport = :22 )",
		"dport = :22 and sport = :80",
		"dport = :22 & sport = :80",
		"dport = :22 && sport = :80",
		"dport = :22 | sport = :80",
		"dport = :22 || sport = :80",
		"dport = :22 sport = :80",
		"( ( dport = :22 ) or ( not ( sport > :1024 ) ) )",
		"pid 1",
		"user root",
		"user 0",
		"comm nginx",
		"service nginx.service",
		"netns host",
		"state established and state close-wait",
		"state established or dport = :22",
		"exclude listening and not sport = :22",
		"( exclude listening )",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		sock_expr_free(parse(good[i]));
}

static void test_errors(void **state)
{
	(void)state;
	bad("( state", "column 8 (its end)");
	bad("( dport = :22", "close the \"(\" of column 1");
	bad("dport = :22 )", "column 13");
	bad("src 300.1.1.1", "column 5");
	bad("src 300.1.1.1", "300.1.1.1");
	bad("state nosuchstate", "column 7");
	bad("sport > :nosuchservice", "column 9");
	bad("sport > :nosuchservice", "nosuchservice");
	bad("dport =", "its end");
	bad("src", "expected an address");
	bad("src and", "column 5");
	bad("or dport = :22", "column 1");
	bad("dport = :22 or", "its end");
	bad("127.0.0.1", "unexpected \"127.0.0.1\"");
	bad("src 10.0.0.0/33", "prefix");
	bad("src [::1", "\"]\"");
	bad("src < 1.2.3.4", "= or !=");
	bad("pid x", "not a pid");
	bad("user no-such-user-here", "no such user");
	bad("autobound", "does not have");
	bad("dev lo", "does not have");
	bad("src link:eth0", "link");
	bad("( )", "column 3");
	bad("not", "its end");
	/* A word with a line break in it (escaped, or pasted): the error stays one line. */
	bad("src 1\\\n2", "column 5");
	bad("pid x\\\ny\x1b[2J", "not a pid");
}

/* The inodes of the sockets of s that e matches, as a bit set of inodes below 64. */
static uint64_t matched(const struct snapshot *s, const struct sock_expr *e)
{
	uint64_t set = 0;
	size_t i;

	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];

		if (r->inode != 0 && r->inode < 64 && sock_expr_match(e, s, (uint32_t)i))
			set |= 1ull << r->inode;
	}
	return set;
}

#define B(i) (1ull << (i))

/* build(): 10 listen :80, 11 estab :80, 12 close-wait :80 <- 10.0.0.2, 13 listen [::]:443,
 * 14 client 5000 -> 80, 15 v4-mapped estab :443, 16 UDP :9999 unconnected, TIME_WAIT ino 0. */
static void test_eval(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} cases[] = {
		{ "", B(10) | B(11) | B(12) | B(13) | B(14) | B(15) | B(16) },
		{ "sport = :80", B(10) | B(11) | B(12) },
		{ "sport = :http", B(10) | B(11) | B(12) },
		{ "dport = :80", B(14) },
		{ "dport != :80", B(10) | B(11) | B(12) | B(13) | B(15) | B(16) },
		{ "dst 10.0.0.0/8", B(12) },
		{ "dst 10.0.0.2:6000", B(12) },
		{ "dst 10.0.0.2:6001", 0 },
		{ "src 127.0.0.1", B(11) | B(12) | B(14) | B(15) | B(16) },
		{ "src [::ffff:127.0.0.1]", B(15) },
		{ "src ::/0", B(13) | B(15) },
		{ "src 0.0.0.0", B(10) },
		{ "state listening", B(10) | B(13) },
		{ "state close-wait", B(12) },
		{ "exclude listening exclude established", B(12) | B(16) },
		{ "state established state listening", B(10) | B(11) | B(13) | B(14) | B(15) },
		{ "state connected", B(11) | B(12) | B(14) | B(15) },
		/* Leading states then "or": ss refuses it; here they are a condition. */
		{ "state listening or dport = :80", B(10) | B(13) | B(14) },
		{ "state listening state close-wait and sport = :80", B(10) | B(12) },
		/* No precedence, as ss: (80 or 443) and listening. */
		{ "sport = :80 or sport = :443 and state listening", B(10) | B(13) },
		{ "sport = :80 or ( sport = :443 and state listening )",
		  B(10) | B(11) | B(12) | B(13) },
		{ "not sport = :80", B(13) | B(14) | B(15) | B(16) },
		{ "sport > :443", B(14) | B(16) },
		{ "sport >= :443", B(13) | B(14) | B(15) | B(16) },
		{ "sport < :443", B(10) | B(11) | B(12) },
		{ "sport <= :443", B(10) | B(11) | B(12) | B(13) | B(15) },
		{ "dport = :", B(10) | B(11) | B(12) | B(13) | B(14) | B(15) | B(16) },
		{ "dport >= :", 0 },
		{ "dport <= :", 0 },
		/* Bounds beyond 16 bits: the kernel cuts them, ss does not; both must agree. */
		{ "sport > :-071", 0 },
		{ "sport < :70000", B(10) | B(11) | B(12) | B(13) | B(15) },
		{ "pid 200", B(10) | B(14) },
		{ "comm p100", B(10) | B(11) | B(12) | B(13) | B(15) | B(16) },
		{ "pid 100 and not state listening", B(11) | B(12) | B(15) | B(16) },
		{ "user 0", B(10) | B(11) | B(12) | B(13) | B(14) | B(15) | B(16) },
		{ "user 1", 0 },
		{ "src inet:127.0.0.1", B(11) | B(12) | B(14) | B(16) },
		{ "src unix:*", 0 },
	};
	struct snapshot s;
	size_t i;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sock_expr *e = parse(cases[i].text);
		uint64_t got = matched(&s, e);

		if (got != cases[i].want)
			print_error("'%s': got %#llx, want %#llx\n", cases[i].text,
				    (unsigned long long)got, (unsigned long long)cases[i].want);
		assert_true(got == cases[i].want);
		sock_expr_free(e);
	}
	snapshot_fini(&s);
}

static void add_unix(struct snapshot *s, uint32_t ino, uint32_t peer, const char *name, size_t len,
		     int state)
{
	struct sock_rec *r = sock_table_add(&s->socks);

	r->family = AF_UNIX;
	r->proto = SP_UNIX_STREAM;
	r->state = (uint8_t)state;
	r->inode = ino;
	r->peer = peer;
	r->cookie = 1000 + ino;
	if (name != NULL)
		r->name = strpool_add(&s->socks.names, name, len);
}

static void test_unix(void **state)
{
	struct snapshot s;
	struct sock_expr *e;
	struct filter f = { NULL, 0, -1, 0, NULL, NULL };

	(void)state;
	snapshot_init(&s);
	add_unix(&s, 40, 0, "/run/app.sock", 13, TS_LISTEN);
	add_unix(&s, 41, 42, "/run/app.sock", 13, TS_ESTABLISHED);
	add_unix(&s, 42, 41, NULL, 0, TS_ESTABLISHED);
	add_unix(&s, 43, 0, "\0abstract", 9, TS_LISTEN);
	snapshot_join(&s, NULL);

	e = parse("src unix:/run/*");
	assert_true(matched(&s, e) == (B(40) | B(41)));
	sock_expr_free(e);
	e = parse("src unix:/RUN/APP.SOCK"); /* ss matches without case */
	assert_true(matched(&s, e) == (B(40) | B(41)));
	sock_expr_free(e);
	e = parse("src unix:@abs*");
	assert_true(matched(&s, e) == B(43));
	sock_expr_free(e);
	/* The remote end of a UNIX socket is its peer's name: the join indexes them. */
	e = parse("dst unix:/run/app.sock");
	f.expr = e;
	snapshot_join(&s, &f);
	assert_true(matched(&s, e) == B(42));
	sock_expr_free(e);
	/* As to ss, a UNIX socket's port is its inode, its remote port its peer's; no address. */
	e = parse("src 127.0.0.1 or dst [::1]");
	assert_true(matched(&s, e) == 0);
	sock_expr_free(e);
	e = parse("sport = :41 or dport = :41");
	assert_true(matched(&s, e) == (B(41) | B(42)));
	sock_expr_free(e);
	e = parse("sport > :41");
	assert_true(matched(&s, e) == (B(42) | B(43)));
	sock_expr_free(e);
	e = parse("src 0.0.0.0/0");
	assert_true(matched(&s, e) == (B(40) | B(41) | B(42) | B(43)));
	sock_expr_free(e);
	e = parse("dport = :");
	assert_true(matched(&s, e) == (B(40) | B(41) | B(42) | B(43)));
	sock_expr_free(e);
	snapshot_fini(&s);
}

/* The listener row on this port. */
static uint32_t listener_row(const struct snapshot *s, int port)
{
	for (uint32_t i = 0; i < s->nlisteners; i++) {
		if (s->socks.v[s->listeners[i].sock].sport == port)
			return i;
	}
	fail();
	return NONE;
}

/* The join under an expression counts only the sockets it matches. */
static void test_join(void **state)
{
	struct filter f = { NULL, 0, -1, 0, NULL, NULL };
	struct snapshot s;
	struct sock_expr *e;
	uint32_t p, conns;

	(void)state;
	build(&s);
	e = parse("state established");
	f.expr = e;
	snapshot_join(&s, &f);
	/* 11 (listed twice, with two cookies: two records), 14, 15. */
	assert_int_equal(s.totals.sockets, 4);
	assert_int_equal(s.totals.tcp_states[TS_ESTABLISHED], 4);
	assert_int_equal(s.totals.tcp_states[TS_LISTEN], 0);
	p = snapshot_proc_by_pid(&s, 100);
	assert_int_equal(proc_sockets(&s, p), 2); /* 11, 15; not 10, 12, 13, 16 nor 99 */
	assert_int_equal(s.pstats[p].other, 0);
	assert_true(s.pstats[p].shown);
	p = snapshot_proc_by_pid(&s, 200);
	assert_int_equal(proc_sockets(&s, p), 1);
	/* No listener matches, so none is a row; 11 still counts inbound on :80. */
	assert_int_equal(s.nlisteners, 0);
	for (size_t i = 0; i < s.nports; i++) {
		if (s.ports[i].port == 80 && s.ports[i].dir == PORT_IN)
			assert_int_equal(s.ports[i].total, 2); /* 11's two records */
	}
	sock_expr_free(e);

	/* A process that holds none of the matched sockets is not shown. */
	e = parse("dport = :80");
	f.expr = e;
	snapshot_join(&s, &f);
	assert_false(s.pstats[snapshot_proc_by_pid(&s, 100)].shown);
	assert_true(s.pstats[snapshot_proc_by_pid(&s, 200)].shown);
	sock_expr_free(e);

	/* A listener that matches counts the connections that match. */
	snapshot_join(&s, NULL);
	conns = s.listeners[listener_row(&s, 80)].connections;
	assert_true(conns > 0);
	e = parse("sport = :80");
	f.expr = e;
	snapshot_join(&s, &f);
	assert_int_equal(s.nlisteners, 1);
	assert_int_equal(s.listeners[0].connections, conns);
	sock_expr_free(e);
	e = parse("sport = :80 and not dport = :5000");
	f.expr = e;
	snapshot_join(&s, &f);
	assert_int_equal(s.nlisteners, 1);
	assert_int_equal(s.listeners[0].connections, 0);
	sock_expr_free(e);
	snapshot_fini(&s);
}

/* Sockets of every kind of address, for the programs to be run on. */
static void build_wide(struct snapshot *s)
{
	static const char *const v4[] = { "0.0.0.0", "127.0.0.1", "10.1.2.3", "192.168.0.9" };
	static const char *const v6[] = { "::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3",
					  "fe80::1" };
	static const int ports[] = { 0, 22, 80, 443, 1024, 5432, 40000, 65535 };
	static const int states[] = { TS_ESTABLISHED, TS_LISTEN, TS_TIME_WAIT, TS_CLOSE_WAIT,
				      TS_SYN_SENT };
	uint32_t ino = 1;
	size_t a, b, p, q;

	snapshot_init(s);
	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++)
			for (p = 0; p < 8; p += 1)
				for (q = 0; q < 8; q += 3)
					add_tcp(&s->socks, AF_INET, v4[a], ports[p], v4[b],
						ports[q], states[(a + p + q) % 5], ino++);
	for (a = 0; a < 5; a++)
		for (b = 0; b < 5; b += 2)
			for (p = 0; p < 8; p += 1)
				for (q = 1; q < 8; q += 3)
					add_tcp(&s->socks, AF_INET6, v6[a], ports[p], v6[b],
						ports[q], states[(a + b + p) % 5], ino++);
}

/*
 * Whether text compares with an empty port (":" alone): the kernel reads it as
 * 65535 and ss as -1, so the program keeps what only the kernel's reading takes.
 */
static int empty_port(const char *text)
{
	const char *p;

	for (p = strchr(text, ':'); p != NULL; p = strchr(p + 1, ':')) {
		if (p[1] == ' ' || p[1] == '\0')
			return 1;
	}
	return 0;
}

static void test_program(void **state)
{
	static const char *const exprs[] = {
		"dport = :443",
		"sport = :80 or dport = :80",
		"( dport = :443 or sport = :443 ) and not dst 10.0.0.0/8",
		"src 127.0.0.1",
		"src 127.0.0.0/8:80",
		"src [::ffff:127.0.0.1]",
		"dst ::/0",
		"dst 0.0.0.0/0",
		"src fe80::/10",
		"dport > :1024",
		"dport >= :1024",
		"dport < :1024",
		"dport <= :1024",
		"sport != :22",
		"not ( sport = :22 or sport = :80 )",
		"not not dport = :5432",
		"state established dport = :443",
		"state established or dport = :443",
		"not state established or dport = :443",
		"pid 1 or dport = :22",
		"not ( pid 1 and dport = :22 )",
		"dport = : or sport = :22",
		"dport >= : or sport = :22",
		"dport <= : or sport = :22",
		"not dport >= :",
		"src unix:* or dport = :80",
		"not src unix:* and dport = :80",
		"dport = :22 or dport = :80 or dport = :443 or dport = :5432 or dport = :1024",
		"( sport > :100 and sport < :60000 ) or ( dst 10.1.2.3 and not dport = :80 )",
		"comm x or ( sport = :80 and dst 192.168.0.0/16 )",
	};
	struct snapshot s;
	size_t i, k;

	(void)state;
	build_wide(&s);
	snapshot_join(&s, NULL);
	for (i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
		struct sock_expr *e = parse(exprs[i]);
		struct diag_pushdown pd;
		size_t kept = 0, matches = 0;

		sock_expr_pushdown(e, &pd);
		if (pd.bclen > 0 && !kernel_audit(pd.bc, (int)pd.bclen))
			fail_msg("'%s': the kernel would refuse the program", exprs[i]);
		for (k = 0; k < s.socks.n; k++) {
			const struct sock_rec *r = &s.socks.v[k];
			uint8_t sa[16], da[16];
			struct kentry en = { sock_addr(&s.socks, r, 0, sa),
					     sock_addr(&s.socks, r, 1, da), r->sport, r->dport,
					     r->family };
			int m = sock_expr_match(e, &s, (uint32_t)k);
			int inmask = (pd.tcp_states >> r->state) & 1;
			int kept_here =
				inmask && (pd.bclen == 0 || kernel_run(pd.bc, (int)pd.bclen, &en));

			if (m && !kept_here)
				fail_msg("'%s': the kernel would drop socket %zu, which matches",
					 exprs[i], k);
			/* The listeners' side (no remote port) is kept on purpose. */
			if (r->dport != 0)
				kept += (size_t)kept_here;
			matches += (size_t)(m && r->dport != 0);
		}
		/*
		 * Of ports and addresses alone, the program is exact: the kernel keeps
		 * the connections that match and no other.
		 */
		if (strstr(exprs[i], "state") == NULL && strstr(exprs[i], "pid") == NULL &&
		    strstr(exprs[i], "comm") == NULL && strstr(exprs[i], "unix") == NULL &&
		    !empty_port(exprs[i]) && kept != matches)
			fail_msg("'%s': the kernel would keep %zu connections, %zu match", exprs[i],
				 kept, matches);
		assert_true(kept >= matches);
		sock_expr_free(e);
	}
	snapshot_fini(&s);
}

static void test_masks(void **state)
{
	struct diag_pushdown pd;
	struct sock_expr *e;

	(void)state;
	e = parse("state established dport = :443");
	sock_expr_pushdown(e, &pd);
	/* Listeners come along: connections are counted inbound by them. */
	assert_int_equal(pd.tcp_states, (1u << TS_ESTABLISHED) | (1u << TS_LISTEN));
	assert_int_equal(pd.udp_states, (1u << TS_ESTABLISHED) | (1u << TS_CLOSE));
	assert_true(pd.bclen > 0);
	assert_false(pd.skip & DIAG_SKIP(DD_TCP4));
	sock_expr_free(e);

	/* No UNIX socket has an address: the UNIX dump is left out. */
	e = parse("src 127.0.0.1 or dst 10.0.0.0/8");
	sock_expr_pushdown(e, &pd);
	assert_true(pd.skip & DIAG_SKIP(DD_UNIX));
	sock_expr_free(e);

	e = parse("src unix:/run/*");
	sock_expr_pushdown(e, &pd);
	assert_true(pd.skip & DIAG_SKIP(DD_TCP4));
	assert_true(pd.skip & DIAG_SKIP(DD_UDP6));
	assert_false(pd.skip & DIAG_SKIP(DD_UNIX));
	sock_expr_free(e);

	e = parse("exclude listening exclude time-wait");
	sock_expr_pushdown(e, &pd);
	assert_false(pd.tcp_states & (1u << TS_TIME_WAIT));
	assert_true(pd.tcp_states & (1u << TS_LISTEN));
	assert_int_equal(pd.bclen, 0);
	assert_int_equal(pd.skip, 0);
	sock_expr_free(e);

	e = parse("state syn-recv");
	sock_expr_pushdown(e, &pd);
	assert_true(pd.tcp_states & (1u << TS_NEW_SYN_RECV));
	sock_expr_free(e);

	e = parse("pid 1");
	sock_expr_pushdown(e, &pd);
	assert_int_equal(pd.bclen, 0);
	assert_int_equal(pd.skip, 0);
	sock_expr_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_eval),	cmocka_unit_test(test_unix),
		cmocka_unit_test(test_join),	cmocka_unit_test(test_program),
		cmocka_unit_test(test_masks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
