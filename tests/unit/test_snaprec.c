/*
 * Unit tests of a recording's snapshot records (record.h): a snapshot read
 * back from its record writes what the original writes, in every view and
 * format; without every socket, every view but the sockets' is the same; and
 * a damaged or crafted record is refused or read within bounds, never
 * followed out of them (run under ASan by the sanitizer pass).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "snapfix.h"
#include "sockwatch/expr.h"
#include "sockwatch/out.h"
#include "sockwatch/record.h"
#include "sockwatch/recfile.h"

static const struct record_info full_info = { REC_F_SOCKETS, 0.5 }, sum_info = { 0, 2 };

/* The fixture, joined, with a UNIX listener, services and verdicts. */
static void build_judged(struct snapshot *s)
{
	static const uint32_t u[] = { 70, 71 };
	struct proc_rec *p;
	struct sock_rec *r;

	build(s);
	p = add_proc(&s->procs, 500, u, 2, 1);
	p->cgroup = strpool_add(&s->procs.strs, "/system.slice/app.service", 25);
	s->procs.v[0].cgroup = strpool_add(&s->procs.strs, "/system.slice/web.service", 25);
	s->procs.v[0].cmdline = strpool_add(&s->procs.strs, "web --port 80", 13);
	for (int i = 0; i < 2; i++) {
		r = sock_table_add(&s->socks);
		r->family = AF_UNIX;
		r->proto = SP_UNIX_STREAM;
		r->state = i == 0 ? TS_LISTEN : TS_ESTABLISHED;
		r->inode = u[i];
		r->cookie = 80 + (uint64_t)i;
		r->name = strpool_add(&s->socks.names, "/run/app.sock", 13);
	}
	s->time.tv_sec = 1796000000;
	s->time.tv_nsec = 250000000;
	s->refreshes = 7;
	s->refresh_s = 0.125;
	snapshot_join(s, NULL);
	s->leak = xcalloc(s->procs.n, sizeof *s->leak);
	s->leakcap = s->procs.n;
	s->leak[0].level = LEAK_CRITICAL;
	s->leak[0].reasons = LR_CLOSE_WAIT | LR_GROWTH;
	s->leak[0].has_growth = 1;
	s->leak[0].growth_per_min = 12.5;
	s->leak[0].cw_old = 1;
	s->leak[1].level = LEAK_WARNING;
	s->leak[1].reasons = LR_FD_LIMIT;
	s->svc_leak = xcalloc(s->nservices + 1, sizeof *s->svc_leak);
	s->svcleakcap = s->nservices + 1;
	if (s->nservices > 0)
		s->svc_leak[0].level = LEAK_CRITICAL;
}

/* Every view of s in format fmt, one after the other. */
static void write_views(struct strbuf *sb, const struct snapshot *s, enum out_format fmt,
			int with_sockets)
{
	for (int v = 0; v < VIEW_COUNT; v++) {
		struct out_opts o = { fmt, (enum view_id)v, NULL, 1.0, 1 };

		if (v == VIEW_SOCKETS && !with_sockets)
			continue;
		out_write(sb, s, &o);
	}
}

static void assert_same_output(const struct snapshot *a, const struct snapshot *b, int with_sockets)
{
	static const enum out_format fmts[] = { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_PROMETHEUS };

	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		struct strbuf x, y;

		sb_init(&x);
		sb_init(&y);
		write_views(&x, a, fmts[i], with_sockets);
		write_views(&y, b, fmts[i], with_sockets);
		assert_true(x.len > 0);
		assert_string_equal(x.buf, y.buf);
		sb_fini(&x);
		sb_fini(&y);
	}
}

static void test_round_trip_with_sockets(void **state)
{
	struct snapshot s, t;
	struct strbuf rec, again;
	struct record_info info;
	char *cause = NULL;

	(void)state;
	build_judged(&s);
	assert_true(s.nservices > 0);
	sb_init(&rec);
	record_encode(&s, &full_info, &rec);
	snapshot_init(&t);
	assert_int_equal(record_decode(&t, &info, rec.buf, rec.len, &cause), 0);
	assert_int_equal(info.flags, REC_F_SOCKETS);
	assert_true(info.interval == 0.5);
	assert_int_equal(t.socks.n, s.socks.n);
	assert_int_equal(t.leak[0].level, LEAK_CRITICAL);
	assert_int_equal(t.time.tv_sec, s.time.tv_sec);
	assert_true(t.expr == NULL);
	assert_same_output(&s, &t, 1);
	/* The same record again from what was read: nothing is lost or added. */
	sb_init(&again);
	record_encode(&t, &full_info, &again);
	assert_int_equal(again.len, rec.len);
	assert_memory_equal(again.buf, rec.buf, rec.len);
	/* A snapshot reused for another record forgets the first. */
	assert_int_equal(record_decode(&t, &info, rec.buf, rec.len, &cause), 0);
	assert_same_output(&s, &t, 1);
	sb_fini(&again);
	sb_fini(&rec);
	snapshot_fini(&t);
	snapshot_fini(&s);
}

static void test_summary_keeps_every_view_but_sockets(void **state)
{
	struct snapshot s, t;
	struct strbuf full, sum;
	struct record_info info;
	char *cause = NULL;

	(void)state;
	build_judged(&s);
	sb_init(&full);
	sb_init(&sum);
	record_encode(&s, &full_info, &full);
	record_encode(&s, &sum_info, &sum);
	assert_true(sum.len < full.len);
	snapshot_init(&t);
	assert_int_equal(record_decode(&t, &info, sum.buf, sum.len, &cause), 0);
	assert_int_equal(info.flags, 0);
	/*
	 * The listeners' sockets only, with their owners (the listen view names
	 * them), and the one TIME_WAIT socket toward the busiest peer.
	 */
	assert_true(s.totals.tw_peer_sock != NONE);
	assert_int_equal(t.socks.n, s.nlsocks + 1);
	for (size_t i = 0; i < t.socks.n; i++)
		assert_true(t.socks.v[i].state == TS_LISTEN || t.socks.v[i].proto == SP_UDP ||
			    i == t.totals.tw_peer_sock);
	assert_int_equal(t.socks.v[t.totals.tw_peer_sock].state, TS_TIME_WAIT);
	assert_same_output(&s, &t, 0);
	sb_fini(&full);
	sb_fini(&sum);
	snapshot_fini(&t);
	snapshot_fini(&s);
}

/* Verdicts by pid and by service name, the same whatever the join's order. */
static void judge_like_build(struct snapshot *s)
{
	s->leak = xgrow(s->leak, &s->leakcap, s->procs.n, sizeof *s->leak);
	memset(s->leak, 0, s->procs.n * sizeof *s->leak);
	for (size_t i = 0; i < s->procs.n; i++) {
		if (s->procs.v[i].pid == 100) {
			s->leak[i].level = LEAK_CRITICAL;
			s->leak[i].reasons = LR_CLOSE_WAIT;
			s->leak[i].cw_old = 1;
		}
	}
	s->svc_leak = xgrow(s->svc_leak, &s->svcleakcap, s->nservices + 1, sizeof *s->svc_leak);
	memset(s->svc_leak, 0, (s->nservices + 1) * sizeof *s->svc_leak);
	for (size_t i = 0; i < s->nservices; i++) {
		size_t len;
		const char *name = strpool_get(&s->strs, s->services[i].name, &len);

		if (len == 11 && memcmp(name, "web.service", 11) == 0)
			s->svc_leak[i].level = LEAK_WARNING;
	}
}

/*
 * A record of every socket joined again under a filter expression writes what
 * the live join under it writes, in every view and format; a summary record
 * cannot be.
 */
static void test_rejoin_under_expression(void **state)
{
	static const char *const exprs[] = {
		"state close-wait", "sport = :80", "dport = :80",
		"src unix:/run/*",  "comm p200",   "( sport = :443 ) or src 127.0.0.1"
	};
	struct snapshot live, rec, t;
	struct strbuf full, sum;
	struct record_info info;
	char *cause = NULL;

	(void)state;
	build_judged(&rec);
	judge_like_build(&rec);
	sb_init(&full);
	sb_init(&sum);
	record_encode(&rec, &full_info, &full);
	record_encode(&rec, &sum_info, &sum);
	snapshot_init(&t);
	for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
		struct strbuf err;
		struct sock_expr *e;
		struct filter f = { NULL, 0, -1, 0, NULL, NULL };

		sb_init(&err);
		e = sock_expr_parse_str(exprs[i], &err);
		assert_non_null(e);
		f.expr = e;
		build_judged(&live);
		snapshot_join(&live, &f);
		judge_like_build(&live);
		assert_int_equal(record_decode(&t, &info, full.buf, full.len, &cause), 0);
		if (record_rejoin(&t, e, &cause) != 0)
			fail_msg("%s: %s", exprs[i], cause);
		assert_same_output(&live, &t, 1);
		/* And without an expression: the record as it was. */
		assert_int_equal(record_decode(&t, &info, full.buf, full.len, &cause), 0);
		assert_int_equal(record_rejoin(&t, NULL, &cause), 0);
		assert_same_output(&rec, &t, 1);
		snapshot_fini(&live);
		sock_expr_free(e);
		sb_fini(&err);
	}
	assert_int_equal(record_decode(&t, &info, sum.buf, sum.len, &cause), 0);
	assert_int_equal(record_rejoin(&t, NULL, &cause), -1);
	assert_non_null(strstr(cause, "pid"));
	free(cause);
	sb_fini(&full);
	sb_fini(&sum);
	snapshot_fini(&t);
	snapshot_fini(&rec);
}

/* Decode a damaged record; when it is taken, write it in every way. */
static void try_damaged(struct snapshot *t, const char *buf, size_t len)
{
	struct record_info info;
	char *cause = NULL;

	if (record_decode(t, &info, buf, len, &cause) == 0) {
		struct strbuf sb;

		sb_init(&sb);
		write_views(&sb, t, OUT_JSON, 1);
		write_views(&sb, t, OUT_TABLE, 1);
		sb_fini(&sb);
	} else {
		assert_non_null(cause);
		assert_null(strchr(cause, '\n'));
		free(cause);
	}
}

static void test_damaged_records_stay_in_bounds(void **state)
{
	struct snapshot s, t;
	struct strbuf rec;
	char *copy;
	size_t i, refused = 0;
	struct record_info info;
	char *cause = NULL;

	(void)state;
	build_judged(&s);
	sb_init(&rec);
	record_encode(&s, &full_info, &rec);
	snapshot_init(&t);
	copy = xmalloc(rec.len);
	for (i = 0; i < rec.len; i++) {
		static const unsigned char vals[] = { 0xff, 0x01 };

		for (size_t k = 0; k < sizeof vals; k++) {
			memcpy(copy, rec.buf, rec.len);
			copy[i] = (char)(copy[i] ^ vals[k]);
			if (record_decode(&t, &info, copy, rec.len, &cause) < 0) {
				refused++;
				free(cause);
				cause = NULL;
				continue;
			}
			try_damaged(&t, copy, rec.len);
		}
	}
	/* Damage to a section header or an index is caught, not taken. */
	assert_true(refused > 0);
	for (i = 0; i < rec.len; i++)
		try_damaged(&t, rec.buf, i);
	assert_int_equal(record_decode(&t, &info, rec.buf, 5, &cause), -1);
	free(cause);
	free(copy);
	sb_fini(&rec);
	snapshot_fini(&t);
	snapshot_fini(&s);
}

/* Seconds since the epoch of a local time. */
static double local(int y, int mo, int d, int h, int mi, int sec)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	return (double)mktime(&tm);
}

/* --from, --to and the t prompt: every form, and what is not a time. */
static void test_replay_times(void **state)
{
	double first = local(2026, 12, 3, 22, 0, 0), last = local(2026, 12, 4, 3, 15, 0), t;
	static const char *const bad[] = { "",
					   "soon",
					   "25:00",
					   "02:60",
					   "2:50",
					   "-30",
					   "-30x",
					   "+-5m",
					   "@",
					   "@12x",
					   "2026-13-01T00:00",
					   "2026-12-04 02:50Z1",
					   "02:50:7" };

	(void)state;
	assert_int_equal(replay_parse_time("02:50", first, last, &t), 0);
	assert_true(t == local(2026, 12, 4, 2, 50, 0));
	assert_int_equal(replay_parse_time("02:50:30", first, last, &t), 0);
	assert_true(t == local(2026, 12, 4, 2, 50, 30));
	/* Later than the last record on its day: the day before. */
	assert_int_equal(replay_parse_time("23:30", first, last, &t), 0);
	assert_true(t == local(2026, 12, 3, 23, 30, 0));
	assert_int_equal(replay_parse_time("-30m", first, last, &t), 0);
	assert_true(t == last - 1800);
	assert_int_equal(replay_parse_time("-2h", first, last, &t), 0);
	assert_true(t == last - 7200);
	assert_int_equal(replay_parse_time("-1.5d", first, last, &t), 0);
	assert_true(t == last - 1.5 * 86400);
	assert_int_equal(replay_parse_time("+10m", first, last, &t), 0);
	assert_true(t == first + 600);
	assert_int_equal(replay_parse_time("+0s", first, last, &t), 0);
	assert_true(t == first);
	assert_int_equal(replay_parse_time("2026-12-04T02:50", first, last, &t), 0);
	assert_true(t == local(2026, 12, 4, 2, 50, 0));
	assert_int_equal(replay_parse_time("2026-12-04 02:50:05", first, last, &t), 0);
	assert_true(t == local(2026, 12, 4, 2, 50, 5));
	assert_int_equal(replay_parse_time("2026-12-04T02:50:00Z", first, last, &t), 0);
	assert_true(t == 1796352600.0);
	assert_int_equal(replay_parse_time("@1796353800.5", first, last, &t), 0);
	assert_true(t == 1796353800.5);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (replay_parse_time(bad[i], first, last, &t) != -1)
			fail_msg("'%s' was taken for a time", bad[i]);
	}
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A day at one record a second, synthesised: every file stays under the cap,
 * three files at most are kept, and the replay of what is kept opens, runs in
 * time order to the last second, and finds any second.
 */
static void test_day_under_cap(void **state)
{
	enum { DAY = 86400, CAP = 2 << 20, KEEP = 2 };
	char dir[] = "/tmp/sw-snaprec-XXXXXX", *path, *p;
	const struct record_info info = { 0, 1.0 };
	struct snapshot s, t;
	struct recorder *rec;
	struct replay *rp;
	struct record_info got;
	char *cause = NULL;
	double t0, open_s, find_s = 0;
	size_t n, i;
	time_t base = 1796000000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xprintf("%s/rec", dir);
	build_judged(&s);
	rec = recorder_open(path, CAP, KEEP, &cause);
	assert_non_null(rec);
	for (i = 0; i < DAY; i++) {
		s.time.tv_sec = base + (time_t)i;
		s.time.tv_nsec = 0;
		s.refreshes = i + 1;
		s.pstats[0].tcp = (uint32_t)(i % 977); /* not one record over and over */
		assert_int_equal(recorder_write(rec, &s, &info, &cause), 0);
	}
	recorder_close(rec);
	for (unsigned k = 0; k <= KEEP + 1; k++) {
		p = k == 0 ? xstrdup(path) : xprintf("%s.%u", path, k);
		if (k <= KEEP) {
			assert_true(file_size(p) > REC_HEADER_SIZE);
			assert_true(file_size(p) <= CAP);
		} else {
			assert_int_equal(file_size(p), -1);
		}
		free(p);
	}
	t0 = mono();
	rp = replay_open(path, &cause);
	open_s = mono() - t0;
	assert_non_null(rp);
	assert_null(replay_damage(rp));
	n = replay_count(rp);
	assert_true(n > 1000 && n < DAY);
	assert_true(replay_time(rp, n - 1) == (double)(base + DAY - 1));
	for (i = 1; i < n; i++)
		assert_true(replay_time(rp, i) == replay_time(rp, i - 1) + 1);
	snapshot_init(&t);
	for (i = 0; i < 100; i++) {
		double want = replay_time(rp, 0) + (double)((i * 7919) % n);
		size_t k;

		t0 = mono();
		k = replay_find(rp, want + 0.5);
		assert_int_equal(replay_load(rp, k, &t, &got, &cause), 0);
		find_s += mono() - t0;
		assert_true((double)t.time.tv_sec == want);
		assert_int_equal(t.refreshes, (uint64_t)(want - (double)base) + 1);
	}
	print_message("# %zu records kept of %d; open %.1f ms, jump and load %.2f ms\n", n, DAY,
		      open_s * 1e3, find_s * 1e3 / 100);
	replay_close(rp);
	snapshot_fini(&t);
	snapshot_fini(&s);
	for (unsigned k = 0; k <= KEEP; k++) {
		p = k == 0 ? xstrdup(path) : xprintf("%s.%u", path, k);
		unlink(p);
		free(p);
	}
	free(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_with_sockets),
		cmocka_unit_test(test_summary_keeps_every_view_but_sockets),
		cmocka_unit_test(test_rejoin_under_expression),
		cmocka_unit_test(test_damaged_records_stay_in_bounds),
		cmocka_unit_test(test_day_under_cap),
		cmocka_unit_test(test_replay_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
