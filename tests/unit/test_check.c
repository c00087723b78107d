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
	s->procs_scanned = 1;
	s->sys.max_orphans = 4096;
	s->sys.port_lo = 32768;
	s->sys.port_hi = 60999;
	snapshot_join(s, f);
	s->leak = xcalloc(s->procs.n, sizeof *s->leak);
}

/* --check with the given -w/-c arguments (NULL-terminated, "w:close_wait=2" style). */
static int check_with(const struct snapshot *s, const struct filter *f, struct strbuf *sb,
		      int privileged, const char *const *args)
{
	struct check_opts o;
	char *cause = NULL;

	check_opts_init(&o);
	o.privileged = privileged;
	for (; args != NULL && *args != NULL; args++)
		assert_int_equal(check_opts_threshold(&o, *args + 2, (*args)[0] == 'c', &cause), 0);
	sb_reset(sb);
	return present_check(sb, s, f, &o);
}

static int check(const struct snapshot *s, const struct filter *f, struct strbuf *sb)
{
	return check_with(s, f, sb, 1, NULL);
}

static void test_ok(void **state)
{
	struct snapshot s;
	struct filter f = { NULL, 0, -1, 0, NULL, NULL };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &f);
	sb_init(&sb);
	assert_int_equal(check(&s, &f, &sb), 0);
	/* The unreadable pid 300 is said; as root, it does not raise the status. */
	assert_string_equal(
		sb.buf, "SOCKWATCH OK - 3 processes, none leaking; 1 process cannot be inspected "
			"even as root | sockets=9;;;0; established=4;;;0; close_wait=1;;;0; "
			"time_wait=1;;;0; orphans=0;;;0;4096 time_wait_per_peer=1;;;0;28232 "
			"accept_queue_full=0;;;0; worst_fd_percent=1.0%;;;0;100 fds=100;;;0;1000 "
			"leaking=0;;;0; processes_unknown=1;;;0; port_80_established=2;;;0; "
			"port_443_established=1;;;0;\n");
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_worst_process(void **state)
{
	struct snapshot s;
	struct filter f = { NULL, 0, -1, 0, NULL, NULL };
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
		"5m00s; 1 more flagged; ",
		strlen("SOCKWATCH CRITICAL - pid 200 (p200) growth +380/min, fds 5/1024, "
		       "eta 5m00s; 1 more flagged; "));
	assert_non_null(strstr(sb.buf, " | sockets=9;;;0; "));
	assert_non_null(strstr(
		sb.buf, " leaking=2;;;0; ")); /* The pid is in the words, never in a label. */
	assert_null(strstr(strchr(sb.buf, '|'), "pid"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* A service whose workers each stay below the thresholds, flagged on its sum, leads. */
static void test_worst_service(void **state)
{
	const char *cg = "/system.slice/prefork.service";
	struct snapshot s;
	struct filter f = { NULL, 0, -1, 0, NULL, NULL };
	struct strbuf sb;
	const char *want = "SOCKWATCH WARNING - service prefork.service (2 processes) growth "
			   "+40/min; ";

	(void)state;
	build(&s);
	s.procs_scanned = 1;
	s.sys.max_orphans = 4096;
	s.sys.port_lo = 32768;
	s.sys.port_hi = 60999;
	s.procs.v[0].cgroup = strpool_add(&s.procs.strs, cg, strlen(cg));
	s.procs.v[1].cgroup = s.procs.v[0].cgroup;
	snapshot_join(&s, &f);
	s.leak = xcalloc(s.procs.n, sizeof *s.leak);
	assert_int_equal(s.nservices, 1);
	s.svc_leak = xcalloc(1, sizeof *s.svc_leak);
	s.svcleakcap = 1;
	sb_init(&sb);
	assert_int_equal(check(&s, &f, &sb), 0);
	s.svc_leak[0].level = LEAK_WARNING;
	s.svc_leak[0].reasons = LR_GROWTH;
	s.svc_leak[0].has_growth = 1;
	s.svc_leak[0].growth_per_min = 40;
	assert_int_equal(check(&s, &f, &sb), 1);
	assert_memory_equal(sb.buf, want, strlen(want));
	/* A process worse than its service leads instead. */
	s.leak[0].level = LEAK_CRITICAL;
	s.leak[0].reasons = LR_CLOSE_WAIT;
	s.leak[0].cw_old = 12;
	assert_int_equal(check(&s, &f, &sb), 2);
	assert_non_null(strstr(sb.buf, "CRITICAL - pid 100 (p100)"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* The machine's walls count without a filter, not with one. */
static void test_system_pressure(void **state)
{
	struct snapshot s;
	struct filter none = { NULL, 0, -1, 0, NULL, NULL };
	int pids[] = { 100 };
	struct filter one = { pids, 1, -1, 0, NULL, NULL };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &none);
	s.totals.fds_alloc = 990;
	sb_init(&sb);
	assert_int_equal(check(&s, &none, &sb), 2);
	assert_non_null(strstr(sb.buf, "; system files 990/1000; "));
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
	struct filter f = { gone, 1, -1, 0, NULL, NULL };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &f);
	sb_init(&sb);
	assert_int_equal(check(&s, &f, &sb), 3);
	assert_memory_equal(sb.buf, "SOCKWATCH UNKNOWN - no process 4242 | ", 37);
	snapshot_fini(&s);
	f.pids = denied;
	build_judged(&s, &f);
	assert_int_equal(check(&s, &f, &sb), 3);
	assert_memory_equal(sb.buf,
			    "SOCKWATCH UNKNOWN - 1 process, none leaking; 1 process cannot be "
			    "inspected even as root | ",
			    84);
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* Thresholds: the worst level over the metrics given, their ranges in the perfdata. */
static void test_thresholds(void **state)
{
	static const char *const cw[] = { "w:close_wait=0", "c:close_wait=5", NULL };
	static const char *const fd[] = { "w:fd_percent=0.5", "c:fd_percent=@0:0.1", NULL };
	static const char *const unk[] = { "w:leaking=1", NULL };
	struct snapshot s;
	struct filter f = { NULL, 0, -1, 0, NULL, NULL };
	struct strbuf sb;

	(void)state;
	build_judged(&s, &f);
	sb_init(&sb);
	/* One CLOSE_WAIT socket: above 0 (warning), not above 5. */
	assert_int_equal(check_with(&s, &f, &sb, 1, cw), 1);
	/* The process with the most CLOSE_WAIT sockets is named in the words. */
	assert_memory_equal(
		sb.buf, "SOCKWATCH WARNING - close_wait 1 (most: pid 100 p100) (warning 0); ", 67);
	assert_non_null(strstr(sb.buf, " close_wait=1;0;5;0; "));
	/* The worst fd usage is p100's 10/1024 = 0.98%, with its pid in the words. */
	assert_int_equal(check_with(&s, &f, &sb, 1, fd), 1);
	assert_non_null(strstr(sb.buf, "fd_percent 1.0% (pid 100 p100) (warning 0.5)"));
	assert_non_null(strstr(sb.buf, " worst_fd_percent=1.0%;0.5;@0:0.1;0;100 "));
	/* A figure that cannot be had (no leak verdicts here: s.leak is NULL): UNKNOWN. */
	free(s.leak);
	s.leak = NULL;
	assert_int_equal(check_with(&s, &f, &sb, 1, unk), 3);
	assert_non_null(strstr(sb.buf, "leaking U (unknown)"));
	assert_non_null(strstr(sb.buf, " leaking=U;1;;0; "));
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* Without the privileges, processes it cannot see make the status at least WARNING. */
static void test_partial(void **state)
{
	static const char *const cw[] = { "c:close_wait=5", NULL };
	struct snapshot s;
	struct filter f = { NULL, 0, -1, 0, NULL, NULL };
	struct check_opts o;
	struct strbuf sb;

	(void)state;
	build_judged(&s, &f);
	sb_init(&sb);
	assert_int_equal(check_with(&s, &f, &sb, 0, NULL), 1);
	assert_non_null(strstr(sb.buf, "; 1 process cannot be inspected (run as root, or "
				       "--allow-partial) |"));
	assert_int_equal(check_with(&s, &f, &sb, 0, cw), 1);
	check_opts_init(&o);
	o.allow_partial = 1;
	sb_reset(&sb);
	assert_int_equal(present_check(&sb, &s, &f, &o), 0);
	check_opts_init(&o);
	o.require_full = 1;
	o.privileged = 1;
	sb_reset(&sb);
	assert_int_equal(present_check(&sb, &s, &f, &o), 3);
	sb_fini(&sb);
	snapshot_fini(&s);
}

/* The range syntax of the monitoring plugins. */
static void test_ranges(void **state)
{
	static const char *const bad[] = { "",	  "abc", "20:10", "1:2:3", "@", "0x10",
					   "inf", "nan", "~",	  "5 ",	   NULL };
	struct check_range r;

	(void)state;
	assert_int_equal(check_range_parse("10", &r), 0);
	assert_false(check_range_alerts(&r, 0) || check_range_alerts(&r, 10));
	assert_true(check_range_alerts(&r, -1) && check_range_alerts(&r, 10.5));
	assert_int_equal(check_range_parse("10:", &r), 0);
	assert_true(check_range_alerts(&r, 9) && !check_range_alerts(&r, 1e9));
	assert_int_equal(check_range_parse("~:10", &r), 0);
	assert_true(!check_range_alerts(&r, -1e9) && check_range_alerts(&r, 11));
	assert_int_equal(check_range_parse("10:20", &r), 0);
	assert_true(check_range_alerts(&r, 9) && !check_range_alerts(&r, 15) &&
		    check_range_alerts(&r, 21));
	assert_int_equal(check_range_parse("@10:20", &r), 0);
	assert_true(!check_range_alerts(&r, 9) && check_range_alerts(&r, 10) &&
		    check_range_alerts(&r, 20) && !check_range_alerts(&r, 21));
	assert_int_equal(check_range_parse("-5:-1", &r), 0);
	assert_true(check_range_alerts(&r, 0) && !check_range_alerts(&r, -3));
	assert_int_equal(check_range_parse(":10", &r), 0);
	assert_true(check_range_alerts(&r, -1) && !check_range_alerts(&r, 10));
	assert_int_equal(check_range_parse("0.5", &r), 0);
	assert_true(check_range_alerts(&r, 0.6));
	for (size_t i = 0; bad[i] != NULL; i++)
		assert_int_equal(check_range_parse(bad[i], &r), -1);
}

static void test_threshold_args(void **state)
{
	struct check_opts o;
	char *cause = NULL;

	(void)state;
	check_opts_init(&o);
	assert_int_equal(check_opts_threshold(&o, "close_wait=abc", 0, &cause), -1);
	assert_string_equal(cause, "invalid range for close_wait: 'abc' (N, N:, ~:N, N:M or @N:M)");
	free(cause);
	assert_int_equal(check_opts_threshold(&o, "nosuch=1", 1, &cause), -1);
	assert_memory_equal(cause, "unknown metric 'nosuch' (sockets, ", 34);
	free(cause);
	assert_int_equal(check_opts_threshold(&o, "close_wait", 1, &cause), -1);
	free(cause);
	assert_false(check_has_thresholds(&o));
	assert_int_equal(check_opts_threshold(&o, "established=:5000", 0, &cause), 0);
	assert_true(check_has_thresholds(&o));
	/* Totals only: no /proc scan (as root), no history, one refresh. */
	assert_true(check_needs_procs(&o, 0));
	o.privileged = 1;
	assert_false(check_needs_procs(&o, 0));
	assert_true(check_needs_procs(&o, 1));
	assert_false(check_needs_history(&o));
	assert_int_equal(check_opts_threshold(&o, "leaking=0", 1, &cause), 0);
	assert_true(check_needs_procs(&o, 0) && check_needs_history(&o));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_worst_process),
		cmocka_unit_test(test_worst_service),
		cmocka_unit_test(test_system_pressure),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_threshold_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
