/* Unit tests of --check's status line: status, the worst process, UNKNOWN, perfdata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snapfix.h"
#include "sockwatch/present.h"

/* The fixture joined, with verdicts (all ok) and the given filter. */
static void build_judged(struct snapshot *s, const struct filter *f)
{
	build(s);
	s->sys.max_orphans = 4096;
	s->sys.port_lo = 32768;
	s->sys.port_hi = 60999;
	snapshot_join(s, f);
	s->leak = xcalloc(s->procs.n, sizeof *s->leak);
}

static int check(const struct snapshot *s, const struct filter *f, struct strbuf *sb)
{
	sb_reset(sb);
	return present_check(sb, s, f);
}

static void test_ok(void **state)
{
	struct snapshot s;
	struct filter f = { NULL, 0, -1 };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &f);
	sb_init(&sb);
	assert_int_equal(check(&s, &f, &sb), 0);
	assert_string_equal(sb.buf, "SOCKWATCH OK - 3 processes, none leaking | leaking=0;;;0 "
				    "sockets=9;;;0 tcp_established=4;;;0 close_wait=1;;;0 "
				    "time_wait=1;;;0 orphans=0;;;0 fds=100;;;0;1000\n");
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_worst_process(void **state)
{
	struct snapshot s;
	struct filter f = { NULL, 0, -1 };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &f);
	s.leak[0].level = LEAK_WARNING;
	s.leak[0].reasons = LR_CLOSE_WAIT;
	s.leak[0].cw_old = 12;
	s.leak[1].level = LEAK_CRITICAL;
	s.leak[1].reasons = LR_GROWTH | LR_FD_LIMIT;
	s.leak[1].has_growth = 1;
	s.leak[1].growth_per_min = 380;
	s.leak[1].has_eta = 1;
	s.leak[1].eta_seconds = 300;
	sb_init(&sb);
	assert_int_equal(check(&s, &f, &sb), 2);
	assert_memory_equal(
		sb.buf,
		"SOCKWATCH CRITICAL - pid 200 (p200) growth +380/min, fds 5/1024, eta "
		"5m00s; 1 more flagged | leaking=2;;;0 ",
		strlen("SOCKWATCH CRITICAL - pid 200 (p200) growth +380/min, fds 5/1024, "
		       "eta 5m00s; 1 more flagged | leaking=2;;;0 "));
	assert_non_null(strstr(sb.buf, " pid_200_sockets=2;;;0 pid_200_fds=5;;;0;1024\n"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* The machine's walls count without a filter, not with one. */
static void test_system_pressure(void **state)
{
	struct snapshot s;
	struct filter none = { NULL, 0, -1 };
	int pids[] = { 100 };
	struct filter one = { pids, 1, -1 };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &none);
	s.totals.fds_alloc = 990;
	sb_init(&sb);
	assert_int_equal(check(&s, &none, &sb), 2);
	assert_non_null(strstr(sb.buf, "; system files 990/1000 |"));
	snapshot_fini(&s);
	build_judged(&s, &one);
	s.totals.fds_alloc = 990;
	assert_int_equal(check(&s, &one, &sb), 0);
	assert_null(strstr(sb.buf, "system files"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* Asked about a pid that is not there, or that cannot be inspected: UNKNOWN, never OK. */
static void test_unknown(void **state)
{
	struct snapshot s;
	int gone[] = { 4242 }, denied[] = { 300 };
	struct filter f = { gone, 1, -1 };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &f);
	sb_init(&sb);
	assert_int_equal(check(&s, &f, &sb), 3);
	assert_string_equal(sb.buf, "SOCKWATCH UNKNOWN - no process 4242\n");
	snapshot_fini(&s);
	f.pids = denied;
	build_judged(&s, &f);
	assert_int_equal(check(&s, &f, &sb), 3);
	assert_string_equal(
		sb.buf,
		"SOCKWATCH UNKNOWN - 1 of the processes cannot be inspected (run as root)\n");
	sb_fini(&sb);
	snapshot_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_worst_process),
		cmocka_unit_test(test_system_pressure),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
