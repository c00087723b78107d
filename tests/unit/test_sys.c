/* System-wide signals: /proc/net/netstat parsing, orphans and TIME_WAIT per peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "snapfix.h"
#include "sockwatch/proc.h"

static const char netstat[] = "TcpExt: SyncookiesSent TW ListenOverflows ListenDrops\n"
			      "TcpExt: 0 332 17 19\n"
			      "IpExt: InNoRoutes ListenOverflows\n"
			      "IpExt: 5 99\n";

static void test_netstat(void **state)
{
	int64_t v = -5;

	(void)state;
	assert_int_equal(
		proc_parse_netstat(netstat, strlen(netstat), "TcpExt:", "ListenOverflows", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(proc_parse_netstat(netstat, strlen(netstat), "TcpExt:", "ListenDrops", &v),
			 0);
	assert_int_equal(v, 19);
	assert_int_equal(
		proc_parse_netstat(netstat, strlen(netstat), "IpExt:", "ListenOverflows", &v), 0);
	assert_int_equal(v, 99);
	assert_int_equal(proc_parse_netstat(netstat, strlen(netstat), "TcpExt:", "Nope", &v), -1);
	/* A values line cut short, a missing values line, garbage. */
	assert_int_equal(proc_parse_netstat("TcpExt: A B\nTcpExt: 1\n", 22, "TcpExt:", "B", &v),
			 -1);
	assert_int_equal(proc_parse_netstat("TcpExt: A B\n", 12, "TcpExt:", "A", &v), -1);
	assert_int_equal(proc_parse_netstat("TcpExt: A\nTcpExt: x\n", 20, "TcpExt:", "A", &v), -1);
	for (size_t n = 0; n < sizeof netstat - 1; n++)
		proc_parse_netstat(netstat, n, "TcpExt:", "ListenDrops", &v); /* no crash */
}

static void test_read_sys_live(void **state)
{
	struct proc_sys y;

	(void)state;
	proc_read_sys("/proc", &y);
	assert_true(y.max_orphans > 0);
	assert_true(y.port_lo > 0 && y.port_hi >= y.port_lo);
	assert_true(y.listen_overflows >= 0);
	proc_read_sys("/nonexistent", &y);
	assert_int_equal(y.max_orphans, PROC_UNKNOWN);
	assert_int_equal(y.listen_drops, PROC_UNKNOWN);
}

static void test_orphans_and_time_wait(void **state)
{
	struct snapshot s;
	struct sock_rec *r;
	int i;

	(void)state;
	build(&s);
	add_tcp(&s.socks, AF_INET, "127.0.0.1", 5005, "127.0.0.1", 80, TS_FIN_WAIT1, 0);
	add_tcp(&s.socks, AF_INET, "127.0.0.1", 5006, "127.0.0.1", 80, TS_LAST_ACK, 0);
	r = add_tcp(&s.socks, AF_INET, "127.0.0.1", 5007, "127.0.0.1", 80, TS_FIN_WAIT2, 0);
	r->timer = 3; /* a TIME_WAIT minisocket: not an orphan */
	add_tcp(&s.socks, AF_INET, "127.0.0.1", 5008, "127.0.0.1", 80, TS_FIN_WAIT2, 42);
	for (i = 0; i < 3; i++)
		add_tcp(&s.socks, AF_INET, "127.0.0.1", 6000 + i, "10.1.1.1", 443, TS_TIME_WAIT, 0);
	snapshot_join(&s, NULL);
	assert_int_equal(s.totals.orphans, 2);
	assert_int_equal(s.totals.tw_peer_max, 3);
	assert_int_equal(s.socks.v[s.totals.tw_peer_sock].dport, 443);
	snapshot_fini(&s);
}

static void test_system_pressure(void **state)
{
	struct snapshot s;
	struct strbuf why;

	(void)state;
	assert_int_equal(pressure_level(79, 100), LEAK_OK);
	assert_int_equal(pressure_level(80, 100), LEAK_WARNING);
	assert_int_equal(pressure_level(95, 100), LEAK_CRITICAL);
	assert_int_equal(pressure_level(PROC_UNKNOWN, 100), LEAK_OK);
	assert_int_equal(pressure_level(5, PROC_UNKNOWN), LEAK_OK);
	build(&s);
	snapshot_join(&s, NULL);
	s.sys.max_orphans = PROC_UNKNOWN;
	s.sys.port_lo = PROC_UNKNOWN;
	sb_init(&why);
	assert_int_equal(system_pressure(&s, &why), LEAK_OK); /* 100 of 1000 files */
	assert_int_equal(why.len, 0);
	s.totals.fds_alloc = 960;
	s.totals.orphans = 9;
	s.sys.max_orphans = 10;
	assert_int_equal(system_pressure(&s, &why), LEAK_CRITICAL);
	assert_string_equal(why.buf, "system files 960/1000, orphans 9/10");
	sb_fini(&why);
	snapshot_fini(&s);
}

static void test_trend(void **state)
{
	struct trend tr;
	int i;

	(void)state;
	trend_init(&tr);
	assert_int_equal(trend_update(&tr, 0.0, 100, 60.0), 0);
	assert_int_equal(trend_update(&tr, 10.0, 105, 60.0), 5);
	assert_int_equal(trend_update(&tr, 60.0, 110, 60.0), 10);
	/* The sample at 0 falls out of the window once one at or before its start remains. */
	assert_int_equal(trend_update(&tr, 75.0, 110, 60.0), 5);
	assert_int_equal(trend_update(&tr, 200.0, 110, 60.0), 0);
	/* Unknown, and a counter that went down, restart it. */
	assert_int_equal(trend_update(&tr, 201.0, PROC_UNKNOWN, 60.0), PROC_UNKNOWN);
	assert_int_equal(trend_update(&tr, 202.0, 50, 60.0), 0);
	assert_int_equal(trend_update(&tr, 203.0, 40, 60.0), 0);
	/* More samples than the ring holds, inside one window. */
	for (i = 0; i < 1000; i++)
		trend_update(&tr, 300.0 + i * 0.01, 1000 + i, 60.0);
	assert_int_equal(trend_update(&tr, 310.0, 5000, 60.0),
			 5000 - (1000 + 1000 - TREND_LEN + 1));
}

/* CapEff of /proc/self/status: root's full set, a user's empty one, a broken line. */
static void test_capeff(void **state)
{
	static const char st[] = "Name:\tsockwatch\nCapInh:\t0000000000000000\n"
				 "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n";
	uint64_t caps = 0;

	(void)state;
	assert_int_equal(proc_parse_capeff(st, strlen(st), &caps), 0);
	assert_true(caps == 0x000001ffffffffffull);
	assert_int_equal(proc_parse_capeff("CapEff:\t0000000000000000\n", 25, &caps), 0);
	assert_true(caps == 0);
	assert_int_equal(proc_parse_capeff("CapEff:\tzz\n", 11, &caps), -1);
	assert_int_equal(proc_parse_capeff("Name:\tx\n", 8, &caps), -1);
}

/* sockstat and sockstat6 of one namespace: the in-use counts a dump may be skipped on. */
static void test_sockstat(void **state)
{
	const char *v4 = "sockets: used 10\n"
			 "TCP: inuse 9 orphan 0 tw 3 alloc 901 mem 115\n"
			 "UDP: inuse 1 mem 0\n"
			 "UDPLITE: inuse 0\n"
			 "RAW: inuse 0\n";
	const char *v6 = "TCP6: inuse 2\nUDP6: inuse 0\nUDPLITE6: inuse 0\nRAW6: inuse 0\n";
	const char *bad = "TCP: inuse x tw\nUDP: mem 4\nUDPLITE: inuse 5"; /* no newline at end */
	struct proc_sockstat st;

	(void)state;
	st.tcp = st.tw = st.udp = st.udplite = st.tcp6 = st.udp6 = st.udplite6 = PROC_UNKNOWN;
	proc_parse_sockstat(v4, strlen(v4), &st);
	assert_int_equal(st.tcp, 9);
	assert_int_equal(st.tw, 3);
	assert_int_equal(st.udp, 1);
	assert_int_equal(st.udplite, 0);
	assert_int_equal(st.tcp6, PROC_UNKNOWN); /* not in this file */
	proc_parse_sockstat(v6, strlen(v6), &st);
	assert_int_equal(st.tcp6, 2);
	assert_int_equal(st.udp6, 0);
	assert_int_equal(st.udplite6, 0);
	/* What cannot be read stays unknown: no dump is skipped on it. */
	st.tcp = st.tw = st.udp = st.udplite = PROC_UNKNOWN;
	proc_parse_sockstat(bad, strlen(bad), &st);
	assert_int_equal(st.tcp, PROC_UNKNOWN);
	assert_int_equal(st.tw, PROC_UNKNOWN);
	assert_int_equal(st.udp, PROC_UNKNOWN);
	assert_int_equal(st.udplite, 5);
	/* The live files of sockwatch's own namespace have every count. */
	proc_read_sockstat("/proc", 0, &st);
	assert_true(st.tcp >= 0 && st.tw >= 0 && st.udp >= 0 && st.tcp6 >= 0 && st.udp6 >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capeff),
		cmocka_unit_test(test_netstat),
		cmocka_unit_test(test_sockstat),
		cmocka_unit_test(test_read_sys_live),
		cmocka_unit_test(test_orphans_and_time_wait),
		cmocka_unit_test(test_trend),
		cmocka_unit_test(test_system_pressure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
