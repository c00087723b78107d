/*
 * Unit tests of the history and the leak detector: synthetic series of
 * hand-built snapshots, joined and fed through history_update().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "sockwatch/config.h"
#include "sockwatch/leak.h"
#include "sockwatch/model.h"

/* A sequence of snapshots: begin, add processes and sockets, end (join and judge). */
struct sim {
	struct snapshot s;
	struct history *h;
	struct leak_config c;
	uint32_t next_ino;
	uint64_t rng;
};

/* The leak thresholds as the settings table defaults them. */
static struct leak_config defaults_leak(void)
{
	struct config cfg;

	config_defaults(&cfg);
	return cfg.leak;
}

static void sim_init(struct sim *m)
{
	memset(m, 0, sizeof *m);
	snapshot_init(&m->s);
	m->c = defaults_leak();
	m->h = history_new(&m->c);
	m->rng = 0x9e3779b97f4a7c15ULL;
}

static void sim_fini(struct sim *m)
{
	history_free(m->h);
	snapshot_fini(&m->s);
}

/* Uniform integer in [lo, hi], deterministic. */
static int sim_rand(struct sim *m, int lo, int hi)
{
	m->rng = m->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return lo + (int)((m->rng >> 33) % (uint64_t)(hi - lo + 1));
}

static void sim_begin(struct sim *m)
{
	snapshot_reset(&m->s);
	m->next_ino = 1000;
}

#define FDS_AUTO INT64_MIN /* fds: socks + 3 */

/*
 * A process with socks socket inodes (the first ones are returned, for socket
 * records to use) and fds open fds.
 */
static uint32_t sim_proc(struct sim *m, int pid, uint64_t start, uint32_t socks, int64_t fds,
			 int64_t limit, int readable)
{
	struct proc_table *t = &m->s.procs;
	struct proc_rec *p;
	uint32_t first = m->next_ino, i;

	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
	p = &t->v[t->n++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->start = start;
	p->uid = 1000;
	snprintf(p->comm, sizeof p->comm, "p%d", pid);
	p->fds = fds != FDS_AUTO ? fds : (int64_t)socks + 3;
	p->fd_limit = limit;
	p->fd_readable = readable;
	p->ino_off = (uint32_t)t->ninodes;
	p->ino_n = readable ? socks : 0;
	if (!readable)
		return first;
	t->inodes = xgrow(t->inodes, &t->inocap, t->ninodes + socks, sizeof *t->inodes);
	for (i = 0; i < socks; i++)
		t->inodes[t->ninodes++] = m->next_ino++;
	return first;
}

static struct sock_rec *sim_tcp(struct sim *m, uint32_t ino, uint64_t cookie, int state)
{
	struct sock_rec *r = sock_table_add(&m->s.socks);

	r->family = AF_INET;
	r->proto = SP_TCP;
	r->state = (uint8_t)state;
	r->inode = ino;
	r->cookie = cookie;
	r->sport = (uint16_t)(1000 + (cookie & 0x7fff));
	sock_set_addr(&m->s.socks, r, 0, "\x7f\0\0\x01");
	return r;
}

static void sim_end(struct sim *m, double now)
{
	snapshot_join(&m->s, NULL);
	history_update(m->h, &m->s, now);
}

static const struct leak_verdict *verdict(const struct sim *m, int pid)
{
	for (size_t i = 0; i < m->s.procs.n; i++) {
		if (m->s.procs.v[i].pid == pid)
			return &m->s.leak[i];
	}
	fail_msg("no process %d", pid);
	return NULL;
}

/* One refresh with one process holding count sockets (fd limit: high, not in play). */
static const struct leak_verdict *step1(struct sim *m, double now, uint32_t count)
{
	sim_begin(m);
	sim_proc(m, 100, 1, count, FDS_AUTO, 1000000, 1);
	sim_end(m, now);
	return verdict(m, 100);
}

static void assert_never_flagged(struct sim *m, const char *what, int i,
				 const struct leak_verdict *v)
{
	if (v->level != LEAK_OK || v->reasons != 0)
		fail_msg("%s: flagged at sample %d (level %s, reasons %#x, %.1f/min)", what, i,
			 leak_level_name(v->level), v->reasons, v->growth_per_min);
	(void)m;
}

/* ---- growth -------------------------------------------------------------- */

static void test_flat_with_noise(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 150; i++) {
		v = step1(&m, 100.0 + i, (uint32_t)(3000 + sim_rand(&m, -60, 60)));
		assert_never_flagged(&m, "flat 3000 +-60", i, v);
		if (i == 0)
			assert_false(v->has_growth); /* one sample: no estimate */
	}
	assert_true(v->has_growth);
	assert_true(fabs(v->growth_per_min) < 20);
	sim_fini(&m);

	/*
	 * 1000 held, with a brief drop every 5 s (connections recycled) that gets
	 * shallower: the floors rise all along, but the count never passes 1000.
	 */
	sim_init(&m);
	for (i = 0; i < 150; i++) {
		uint32_t n = 1000;

		if (i % 5 == 0)
			n -= (uint32_t)(300 - 2 * i);
		v = step1(&m, i, n);
		assert_never_flagged(&m, "flat with shrinking drops", i, v);
	}
	sim_fini(&m);

	/* Exactly flat: the estimate is exactly 0. */
	sim_init(&m);
	for (i = 0; i < 80; i++) {
		v = step1(&m, i * 0.5, 2000);
		assert_never_flagged(&m, "flat 2000", i, v);
	}
	assert_true(v->has_growth);
	assert_true(v->growth_per_min == 0.0);
	sim_fini(&m);
}

static void test_idle(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 100; i++) {
		sim_begin(&m);
		sim_proc(&m, 100, 1, 1, 4, 1024, 1); /* an idle listener */
		sim_proc(&m, 101, 1, 0, 3, 1024, 1); /* no sockets at all */
		sim_end(&m, i);
		v = verdict(&m, 100);
		assert_never_flagged(&m, "idle listener", i, v);
		assert_never_flagged(&m, "no sockets", i, verdict(&m, 101));
	}
	assert_true(v->has_growth);
	assert_true(v->growth_per_min == 0.0);
	assert_false(v->has_eta);
	sim_fini(&m);
}

/* Bursts of hundreds opened and closed every few seconds, at two refresh intervals. */
static void test_sawtooth(void **state)
{
	static const double intervals[] = { 1.0, 0.5, 0.25 };
	struct sim m;
	int i, k;

	(void)state;
	for (k = 0; k < 3; k++) {
		double dt = intervals[k];
		int burst = 0;

		sim_init(&m);
		for (i = 0; i * dt < 200; i++) {
			double t = i * dt;
			double phase = fmod(t, 4.0);
			uint32_t n = 20;

			/* Every 4 s: a burst of 200-400 for 2 s; sizes vary. */
			if (phase < dt)
				burst = sim_rand(&m, 200, 400);
			if (phase < 2.0)
				n += (uint32_t)burst;
			assert_never_flagged(&m, "sawtooth", i, step1(&m, t, n));
		}
		sim_fini(&m);
	}

	/* A burst ramping up over 3 s and closing at once, every 5 s, with noise. */
	sim_init(&m);
	for (i = 0; i < 200; i++) {
		int phase = i % 5;
		uint32_t n = (uint32_t)(500 + sim_rand(&m, -10, 10));

		if (phase < 3)
			n += (uint32_t)(100 * (phase + 1));
		assert_never_flagged(&m, "ramped sawtooth", i, step1(&m, i, n));
	}
	sim_fini(&m);
}

/* A pool that fills once and stays flat: at once, or over a few refreshes. */
static void test_step(void **state)
{
	struct sim m;
	int i, ramp;

	(void)state;
	for (ramp = 1; ramp <= 3; ramp++) {
		sim_init(&m);
		for (i = 0; i < 150; i++) {
			uint32_t n = 50;

			if (i >= 20)
				n += i >= 20 + ramp ? 300 : (uint32_t)(300 * (i - 19) / (ramp + 1));
			n += (uint32_t)sim_rand(&m, 0, 4);
			assert_never_flagged(&m, "step", i, step1(&m, i, n));
		}
		sim_fini(&m);
	}
}

/* Below the thresholds: a rise under growth_min over the window, or under the rate. */
static void test_slow_leak(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 200; i++) {
		v = step1(&m, i, (uint32_t)(100 + i / 12)); /* 5 per minute */
		assert_never_flagged(&m, "5/min", i, v);
	}
	assert_true(v->has_growth);
	assert_true(v->growth_per_min > 2 && v->growth_per_min < 8);
	sim_fini(&m);

	/* Fast enough in rate and rise, but growth_rate_min raised above it. */
	sim_init(&m);
	history_free(m.h);
	m.c.growth_rate_min = 400;
	m.h = history_new(&m.c);
	for (i = 0; i < 100; i++)
		assert_never_flagged(&m, "5/s under a 400/min minimum", i,
				     step1(&m, i, (uint32_t)(100 + 5 * i)));
	sim_fini(&m);
}

/* 5 sockets per second at 1 s: flagged within 30 refreshes, rate within 30%. */
static void test_fast_leak(void **state)
{
	struct sim m;
	const struct leak_verdict *v;
	int i, flagged_at = -1;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 120; i++) {
		v = step1(&m, 1000.0 + i, (uint32_t)(40 + 5 * i));
		if (flagged_at < 0 && (v->reasons & LR_GROWTH))
			flagged_at = i;
		if (flagged_at >= 0) {
			assert_true(v->reasons & LR_GROWTH); /* and it stays flagged */
			assert_int_equal(v->level, LEAK_WARNING);
			assert_true(v->has_growth);
			assert_true(fabs(v->growth_per_min - 300) <= 0.3 * 300);
			assert_true(v->has_eta);
			/* fds = sockets + 3 against 1000000, 5 per second. */
			assert_true(fabs(v->eta_seconds / ((1000000 - (43 + 5.0 * i)) / 5) - 1) <
				    0.05);
		}
	}
	assert_true(flagged_at >= 0 && flagged_at < 30);
	print_message("fast leak flagged at sample %d\n", flagged_at);
	sim_fini(&m);

	/* The same leak seen at -d 0.1: samples merge, the verdict is the same. */
	sim_init(&m);
	flagged_at = -1;
	for (i = 0; i < 600; i++) {
		v = step1(&m, i * 0.1, (uint32_t)(40 + i / 2));
		if (flagged_at < 0 && (v->reasons & LR_GROWTH))
			flagged_at = i;
	}
	assert_true(flagged_at >= 0 && flagged_at < 300);
	assert_true(fabs(v->growth_per_min - 300) <= 0.3 * 300);
	sim_fini(&m);
}

/* Sample times survive a process that lives for months (ms offsets are rebased). */
static void test_long_uptime(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	uint32_t series[128];
	int i;

	(void)state;
	sim_init(&m);
	step1(&m, 10.0, 40);
	for (i = 0; i < 60; i++) {
		double t = 4e6 + i; /* 46 days later: beyond 2^31 ms */

		v = step1(&m, t, (uint32_t)(40 + 5 * i));
		if (i < 12)
			assert_false(v->reasons & LR_GROWTH);
	}
	assert_true(v->reasons & LR_GROWTH);
	assert_true(fabs(v->growth_per_min - 300) <= 0.3 * 300);
	/* One value per refresh over the window; the first is the one in effect at its start. */
	assert_int_equal(history_series(m.h, 100, 1, series, 128), 61);
	assert_int_equal(series[60], 40 + 5 * 59);
	assert_int_equal(series[0], 40);
	assert_int_equal(series[2], 45);
	sim_fini(&m);
}

/* A long-flat process that starts leaking is flagged without waiting a whole window. */
static void test_leak_starts_late(void **state)
{
	struct sim m;
	const struct leak_verdict *v;
	int i, flagged_at = -1;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 200; i++) {
		uint32_t n = i < 120 ? 400 : (uint32_t)(400 + 5 * (i - 120));

		v = step1(&m, i, n);
		if (i < 120)
			assert_never_flagged(&m, "flat before the leak", i, v);
		else if (flagged_at < 0 && (v->reasons & LR_GROWTH))
			flagged_at = i - 120;
	}
	assert_true(flagged_at >= 0 && flagged_at < 30);
	sim_fini(&m);
}

/* Noise of +-30 around a floor rising 3 per second. */
static void test_noisy_leak(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	int i, flagged_at = -1, flagged = 0;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 120; i++) {
		v = step1(&m, i, (uint32_t)(200 + 3 * i + sim_rand(&m, -30, 30)));
		if (v->reasons & LR_GROWTH) {
			flagged++;
			if (flagged_at < 0)
				flagged_at = i;
		}
	}
	print_message("noisy leak flagged at sample %d, %d of 120\n", flagged_at, flagged);
	assert_true(flagged_at >= 0 && flagged_at < 60);
	assert_true(v->reasons & LR_GROWTH);
	assert_true(flagged >= 120 - flagged_at - 5);
	assert_true(fabs(v->growth_per_min - 180) <= 0.3 * 180);
	sim_fini(&m);

	/*
	 * A server leaking 5 per second under bursty load (200-400 more for 2 s
	 * every 4 s): the floors rise at the leak's rate, the bursts do not count.
	 * The bursts weigh on the trend score: flagged within one window.
	 */
	sim_init(&m);
	flagged_at = -1;
	for (i = 0; i < 120; i++) {
		uint32_t n = (uint32_t)(100 + 5 * i);

		if (i % 4 < 2)
			n += (uint32_t)sim_rand(&m, 200, 400);
		v = step1(&m, i, n);
		if (flagged_at < 0 && (v->reasons & LR_GROWTH))
			flagged_at = i;
		if (flagged_at >= 0)
			assert_true(fabs(v->growth_per_min - 300) <= 0.3 * 300);
	}
	print_message("bursty leak flagged at sample %d\n", flagged_at);
	assert_true(flagged_at >= 0 && flagged_at < 60);
	assert_true(v->reasons & LR_GROWTH);
	sim_fini(&m);
}

/* fds near the limit and growing: growth is critical when the ETA is under 5 minutes. */
static void test_growth_eta(void **state)
{
	struct sim m;
	const struct leak_verdict *v;
	int i, crit_at = -1;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 80; i++) {
		sim_begin(&m);
		sim_proc(&m, 100, 1, (uint32_t)(5 * i), 10 + 5 * i, 2048, 1);
		sim_end(&m, i);
		v = verdict(&m, 100);
		if (!(v->reasons & LR_GROWTH))
			continue;
		assert_true(v->has_eta);
		assert_true(fabs(v->eta_seconds - (2048 - (10 + 5.0 * i)) / 5) < 30);
		if (v->eta_seconds < 300) {
			assert_int_equal(v->level, LEAK_CRITICAL);
			if (crit_at < 0)
				crit_at = i;
		} else {
			assert_int_equal(v->level, LEAK_WARNING);
		}
	}
	assert_int_equal(crit_at, -1); /* (2048 - 10 - 5i) / 5 < 300 only from i = 108 */
	sim_fini(&m);

	/* From 1700 fds left at 5/s: the ETA crosses 300 s. */
	sim_init(&m);
	crit_at = -1;
	for (i = 0; i < 80; i++) {
		sim_begin(&m);
		sim_proc(&m, 100, 1, (uint32_t)(5 * i), 300 + 5 * i, 2000, 1);
		sim_end(&m, i);
		v = verdict(&m, 100);
		if ((v->reasons & LR_GROWTH) && v->level == LEAK_CRITICAL && crit_at < 0)
			crit_at = i;
	}
	/* (2000 - 300 - 5i) / 5 < 300 when i > 40; the fds are at 25%: not fd_limit. */
	assert_true(crit_at > 40 && crit_at < 45);
	assert_false(v->reasons & LR_FD_LIMIT);
	sim_fini(&m);
}

/* A pid reused by a new process (new start time) starts a fresh history. */
static void test_pid_reuse(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	uint32_t series[128];
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 40; i++) {
		sim_begin(&m);
		sim_proc(&m, 700, 1111, (uint32_t)(5 * i), FDS_AUTO, 1000000, 1);
		sim_end(&m, i);
	}
	v = verdict(&m, 700);
	assert_true(v->reasons & LR_GROWTH);
	assert_true(history_series(m.h, 700, 1111, series, 128) > 30);

	/* Same pid, new start time: its first sample says nothing; it never leaks. */
	for (i = 40; i < 100; i++) {
		sim_begin(&m);
		sim_proc(&m, 700, 2222, 150, FDS_AUTO, 1000000, 1);
		sim_end(&m, i);
		v = verdict(&m, 700);
		assert_never_flagged(&m, "reused pid", i, v);
		if (i == 40) {
			assert_false(v->has_growth);
			assert_int_equal(history_series(m.h, 700, 2222, series, 128), 1);
			assert_int_equal(series[0], 150);
		}
	}
	/* The old process is forgotten. */
	assert_int_equal(history_series(m.h, 700, 1111, series, 128), 0);
	sim_fini(&m);
}

/* A process whose fd table cannot be read: no estimates, never a socket reason. */
static void test_unreadable(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 60; i++) {
		sim_begin(&m);
		sim_proc(&m, 100, 1, (uint32_t)(5 * i), PROC_UNKNOWN, 1024, 0);
		sim_end(&m, i);
		v = verdict(&m, 100);
		assert_never_flagged(&m, "unreadable", i, v);
		assert_false(v->has_growth);
		assert_false(v->has_eta);
	}
	/* Its fd count, when the kernel gives it, is still a real number. */
	sim_begin(&m);
	sim_proc(&m, 100, 1, 0, 1000, 1024, 0);
	sim_end(&m, 60);
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, LR_FD_LIMIT);
	assert_int_equal(v->level, LEAK_CRITICAL);
	assert_false(v->has_growth);
	sim_fini(&m);
}

/* ---- close_wait ---------------------------------------------------------- */

/* n CLOSE_WAIT sockets of pid 100 with cookies from cookie0, kernel age in ms. */
static void cw_refresh_dup(struct sim *m, double now, int n, uint64_t cookie0, uint32_t last_ack,
			   int dup)
{
	uint32_t ino;
	int i;

	sim_begin(m);
	ino = sim_proc(m, 100, 1, (uint32_t)n + 1, FDS_AUTO, 1024, 1);
	sim_tcp(m, ino, 1, TS_LISTEN)->wqueue = 128;
	for (i = 0; i < n; i++)
		sim_tcp(m, ino + 1 + (uint32_t)i, cookie0 + (uint64_t)i, TS_CLOSE_WAIT)->last_ack =
			last_ack;
	if (dup) /* the first one again, as a non-atomic dump can repeat it */
		sim_tcp(m, ino + 1, cookie0, TS_CLOSE_WAIT)->last_ack = last_ack;
	sim_end(m, now);
}

static void cw_refresh(struct sim *m, double now, int n, uint64_t cookie0, uint32_t last_ack)
{
	cw_refresh_dup(m, now, n, cookie0, last_ack, 0);
}

static void test_close_wait_kernel_age(void **state)
{
	struct sim m;
	const struct leak_verdict *v;

	(void)state;
	sim_init(&m);
	/* They predate the observer: the kernel's age counts from the first refresh. */
	cw_refresh(&m, 5, 12, 500, 45000);
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, LR_CLOSE_WAIT);
	assert_int_equal(v->level, LEAK_WARNING);
	assert_int_equal(v->cw_old, 12);
	/* Younger than cw_age: counted nowhere. */
	cw_refresh(&m, 6, 12, 600, 5000);
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, 0);
	assert_int_equal(v->cw_old, 0);
	/* Old but fewer than cw_min. */
	cw_refresh(&m, 7, 9, 700, 45000);
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, 0);
	assert_int_equal(v->cw_old, 9);
	/* Ten times cw_min: critical. */
	cw_refresh(&m, 8, 100, 800, 31000);
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, LR_CLOSE_WAIT);
	assert_int_equal(v->level, LEAK_CRITICAL);
	assert_int_equal(v->cw_old, 100);
	sim_fini(&m);

	/* A record the dump repeats counts once (the join drops the copy). */
	sim_init(&m);
	cw_refresh_dup(&m, 1, 9, 500, 45000, 1);
	assert_int_equal(m.s.socks.n, 10);
	assert_int_equal(verdict(&m, 100)->cw_old, 9);
	assert_int_equal(verdict(&m, 100)->reasons, 0);
	sim_fini(&m);
}

static void test_close_wait_first_seen(void **state)
{
	struct sim m;
	const struct leak_verdict *v;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i <= 40; i++) {
		cw_refresh(&m, 100 + i, 12, 500, SOCK_NO_AGE);
		v = verdict(&m, 100);
		if (i < 30) {
			assert_int_equal(v->reasons, 0);
			assert_int_equal(v->cw_old, 0);
		} else {
			assert_int_equal(v->reasons, LR_CLOSE_WAIT);
			assert_int_equal(v->cw_old, 12);
		}
	}
	/* New sockets replace them: they are young again. */
	cw_refresh(&m, 141, 12, 900, SOCK_NO_AGE);
	assert_int_equal(verdict(&m, 100)->reasons, 0);
	/* Gone for one refresh, the old cookies are forgotten: they come back young. */
	cw_refresh(&m, 142, 12, 500, SOCK_NO_AGE);
	assert_int_equal(verdict(&m, 100)->cw_old, 0);
	sim_fini(&m);
}

/* ---- dead_sockets ---------------------------------------------------------- */

/*
 * One refresh of pid 100: a listener and n socket fds no dump lists (inodes
 * from ino0 + 1), of protocol proto as /proc would tell; pid 200 shares the
 * first `shared` of them (a fork).
 */
static const struct leak_verdict *dead_refresh_shared(struct sim *m, double now, uint32_t n,
						      uint32_t ino0, uint8_t proto, uint32_t shared)
{
	struct proc_table *t = &m->s.procs;
	uint32_t ino, i;

	sim_begin(m);
	m->next_ino = ino0;
	ino = sim_proc(m, 100, 1, n + 1, FDS_AUTO, 1024, 1);
	sim_tcp(m, ino, 1, TS_LISTEN)->wqueue = 128;
	if (shared > 0) {
		sim_proc(m, 200, 1, shared, FDS_AUTO, 1024, 1);
		for (i = 0; i < shared; i++)
			t->inodes[t->ninodes - shared + i] = ino + 1 + i;
	}
	snapshot_join(&m->s, NULL);
	for (i = 0; i < m->s.nunlisted; i++)
		m->s.unlisted[i].proto = proto;
	snapshot_count_unlisted(&m->s);
	history_update(m->h, &m->s, now);
	return verdict(m, 100);
}

static const struct leak_verdict *dead_refresh(struct sim *m, double now, uint32_t n, uint32_t ino0,
					       uint8_t proto)
{
	return dead_refresh_shared(m, now, n, ino0, proto, 0);
}

static uint32_t dead_of(const struct sim *m, int pid)
{
	for (size_t i = 0; i < m->s.procs.n; i++) {
		if (m->s.procs.v[i].pid == pid)
			return m->s.pstats[i].dead;
	}
	fail_msg("no process %d", pid);
	return 0;
}

/* 12 dead fds: counted at once, flagged once dead for dead_age (30 s), not before. */
static void test_dead_sockets_age(void **state)
{
	struct sim m;
	const struct leak_verdict *v;
	int i;

	(void)state;
	sim_init(&m);
	/* At the first sighting the collector has not asked yet: not dead, but timed. */
	v = dead_refresh(&m, 100, 12, 1000, UL_UNASKED);
	assert_int_equal(dead_of(&m, 100), 0);
	assert_int_equal(m.s.pstats[0].other, 12);
	assert_int_equal(v->reasons, 0);
	for (i = 1; i <= 40; i++) {
		v = dead_refresh(&m, 100 + i, 12, 1000, SP_TCP);
		assert_int_equal(dead_of(&m, 100), 12);
		if (i < 30) {
			assert_int_equal(v->reasons, 0);
			assert_int_equal(v->dead_old, 0);
		} else {
			assert_int_equal(v->reasons, LR_DEAD_SOCKETS);
			assert_int_equal(v->level, LEAK_WARNING);
			assert_int_equal(v->dead_old, 12);
		}
	}
	/* Listed again for one refresh (or closed), the fds come back young. */
	sim_begin(&m);
	sim_proc(&m, 100, 1, 0, FDS_AUTO, 1024, 1);
	sim_end(&m, 141);
	assert_int_equal(verdict(&m, 100)->reasons, 0);
	v = dead_refresh(&m, 142, 12, 1000, SP_TCP);
	assert_int_equal(v->reasons, 0);
	assert_int_equal(v->dead_old, 0);
	sim_fini(&m);

	/* A shorter dead-age; ten times dead-min is critical. */
	sim_init(&m);
	history_free(m.h);
	m.c.dead_age = 5;
	m.h = history_new(&m.c);
	for (i = 0; i <= 5; i++)
		v = dead_refresh(&m, i, 100, 1000, SP_TCP);
	assert_int_equal(v->reasons, LR_DEAD_SOCKETS);
	assert_int_equal(v->level, LEAK_CRITICAL);
	assert_int_equal(v->dead_old, 100);
	v = dead_refresh(&m, 6, 99, 1000, SP_TCP);
	assert_int_equal(v->level, LEAK_WARNING);
	sim_fini(&m);
}

/* Fewer than dead_min, however old: not flagged. Not TCP: not dead at all. */
static void test_dead_sockets_below_min(void **state)
{
	static const uint8_t others[] = { SP_UDP, SP_UDPLITE, SP_UNIX_STREAM, SP_COUNT };
	struct sim m;
	const struct leak_verdict *v;
	size_t k;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 100; i++) {
		v = dead_refresh(&m, i, 9, 1000, SP_TCP);
		assert_never_flagged(&m, "9 dead", i, v);
	}
	assert_int_equal(v->dead_old, 9);
	assert_int_equal(dead_of(&m, 100), 9);
	sim_fini(&m);

	for (k = 0; k < ARRAY_LEN(others); k++) {
		sim_init(&m);
		for (i = 0; i < 60; i++) {
			v = dead_refresh(&m, i, 50, 1000, others[k]);
			assert_never_flagged(&m, "unbound or another protocol", i, v);
		}
		assert_int_equal(v->dead_old, 0);
		assert_int_equal(dead_of(&m, 100), 0);
		assert_int_equal(m.s.pstats[0].unbound,
				 others[k] == SP_UDP || others[k] == SP_UDPLITE ? 50 : 0);
		sim_fini(&m);
	}

	/* The dump of TCP failed: a TCP socket in no dump is not known dead. */
	sim_init(&m);
	for (i = 0; i < 60; i++) {
		sim_begin(&m);
		m.s.diag.err[DD_TCP4] = -ENOENT;
		m.next_ino = 1000;
		sim_proc(&m, 100, 1, 20, FDS_AUTO, 1024, 1);
		snapshot_join(&m.s, NULL);
		for (size_t j = 0; j < m.s.nunlisted; j++)
			m.s.unlisted[j].proto = SP_TCP;
		snapshot_count_unlisted(&m.s);
		history_update(m.h, &m.s, i);
		assert_never_flagged(&m, "no TCP dump", i, verdict(&m, 100));
	}
	assert_int_equal(dead_of(&m, 100), 0);
	sim_fini(&m);
}

/* Dead fds that come and go (new ones at every refresh, or every other one): never old. */
static void test_dead_sockets_come_and_go(void **state)
{
	struct sim m;
	const struct leak_verdict *v;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 120; i++) {
		v = dead_refresh(&m, i, 30, 1000 + 100 * (uint32_t)(i % 7), SP_TCP);
		assert_never_flagged(&m, "new dead fds each refresh", i, v);
		assert_int_equal(dead_of(&m, 100), 30);
	}
	sim_fini(&m);

	/* The same 30 there at every other refresh only. */
	sim_init(&m);
	for (i = 0; i < 120; i++) {
		v = dead_refresh(&m, i, i % 2 ? 30 : 0, 1000, SP_TCP);
		assert_never_flagged(&m, "dead fds every other refresh", i, v);
	}
	sim_fini(&m);
}

/* A dead socket held by two processes (after a fork) is old for both. */
static void test_dead_sockets_shared(void **state)
{
	struct sim m;
	const struct leak_verdict *v = NULL;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i <= 30; i++)
		v = dead_refresh_shared(&m, i, 15, 1000, SP_TCP, 10);
	assert_int_equal(v->dead_old, 15);
	assert_int_equal(verdict(&m, 200)->dead_old, 10);
	assert_int_equal(verdict(&m, 200)->reasons, LR_DEAD_SOCKETS);
	assert_int_equal(dead_of(&m, 200), 10);
	sim_fini(&m);
}

/* ---- fd_limit -------------------------------------------------------------- */

static void test_fd_limit(void **state)
{
	static const struct {
		int64_t fds, limit;
		unsigned level;
	} cases[] = {
		{ 700, 1000, LEAK_OK },
		{ 800, 1000, LEAK_OK },
		{ 801, 1000, LEAK_WARNING },
		{ 950, 1000, LEAK_WARNING },
		{ 951, 1000, LEAK_CRITICAL },
		{ 1000, 1000, LEAK_CRITICAL },
		{ 5000, PROC_UNLIMITED, LEAK_OK },
		{ 900, PROC_UNKNOWN, LEAK_OK },
		{ PROC_UNKNOWN, 1000, LEAK_OK },
		/* A soft limit of 0: no fd can be opened; any fd held is over it. */
		{ 1, 0, LEAK_CRITICAL },
		{ 13, 0, LEAK_CRITICAL },
		{ 0, 0, LEAK_OK },
		{ PROC_UNKNOWN, 0, LEAK_OK },
	};
	struct sim m;
	size_t i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct leak_verdict *v;

		sim_begin(&m);
		sim_proc(&m, 100, 1, 10, cases[i].fds, cases[i].limit, 1);
		sim_end(&m, (double)i);
		v = verdict(&m, 100);
		if (v->level != cases[i].level)
			fail_msg("fds %lld limit %lld: level %s", (long long)cases[i].fds,
				 (long long)cases[i].limit, leak_level_name(v->level));
		assert_int_equal(v->reasons, cases[i].level == LEAK_OK ? 0 : LR_FD_LIMIT);
	}
	sim_fini(&m);
}

/* ---- accept_queue ------------------------------------------------------------ */

static void aq_refresh(struct sim *m, double now, uint32_t rq, uint32_t wq)
{
	uint32_t ino;

	sim_begin(m);
	ino = sim_proc(m, 100, 1, 2, FDS_AUTO, 1024, 1);
	sim_proc(m, 200, 1, 1, FDS_AUTO, 1024, 1);
	m->s.procs.inodes[m->s.procs.ninodes - 1] = ino; /* 200 shares the listener (fork) */
	struct sock_rec *r = sim_tcp(m, ino, 42, TS_LISTEN);
	r->rqueue = rq;
	r->wqueue = wq;
	/* An unrelated listener that is never full. */
	sim_tcp(m, ino + 1, 43, TS_LISTEN)->wqueue = 128;
	sim_end(m, now);
}

static void test_accept_queue(void **state)
{
	struct sim m;
	const struct leak_verdict *v;

	(void)state;
	sim_init(&m);
	aq_refresh(&m, 0, 127, 128);
	assert_int_equal(verdict(&m, 100)->reasons, 0);
	aq_refresh(&m, 1, 0, 0); /* no backlog known: not judged */
	assert_int_equal(verdict(&m, 100)->reasons, 0);
	aq_refresh(&m, 2, 129, 128);
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, LR_ACCEPT_QUEUE);
	assert_int_equal(v->level, LEAK_WARNING);
	assert_int_equal(v->queue_full, 1);
	assert_int_equal(verdict(&m, 200)->reasons, LR_ACCEPT_QUEUE); /* both owners */
	aq_refresh(&m, 3, 128, 128); /* full at two refreshes in a row */
	assert_int_equal(verdict(&m, 100)->level, LEAK_CRITICAL);
	aq_refresh(&m, 4, 3, 128); /* drained: it overflowed within the window */
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, LR_ACCEPT_QUEUE);
	assert_int_equal(v->level, LEAK_WARNING);
	aq_refresh(&m, 60, 3, 128);
	assert_int_equal(verdict(&m, 100)->reasons, LR_ACCEPT_QUEUE);
	aq_refresh(&m, 64, 3, 128); /* more than a window since it was last full */
	v = verdict(&m, 100);
	assert_int_equal(v->reasons, 0);
	assert_int_equal(v->queue_full, 0);
	sim_fini(&m);
}

/* ---- series, names ------------------------------------------------------------- */

static void test_series(void **state)
{
	struct sim m;
	uint32_t out[200];
	size_t n;
	int i;

	(void)state;
	sim_init(&m);
	for (i = 0; i < 100; i++)
		step1(&m, i, (uint32_t)i);
	n = history_series(m.h, 100, 1, out, 200);
	assert_true(n >= 59 && n <= 62);
	assert_int_equal(out[n - 1], 99);
	assert_true(out[0] >= 38 && out[0] <= 40);
	for (i = 1; i < (int)n; i++)
		assert_true(out[i] > out[i - 1]);
	n = history_series(m.h, 100, 1, out, 10);
	assert_int_equal(n, 10);
	assert_int_equal(out[9], 99);
	assert_int_equal(history_series(m.h, 101, 1, out, 10), 0);
	sim_fini(&m);

	/* A flat process keeps only a run, but its series still has one value per refresh. */
	sim_init(&m);
	for (i = 0; i < 100; i++)
		step1(&m, i, 7);
	n = history_series(m.h, 100, 1, out, 200);
	assert_true(n >= 59 && n <= 62);
	for (i = 0; i < (int)n; i++)
		assert_int_equal(out[i], 7);
	sim_fini(&m);
}

static void test_names_and_defaults(void **state)
{
	struct leak_config c;

	(void)state;
	c = defaults_leak();
	assert_true(c.window == 60 && c.growth_min == 20 && c.growth_rate_min == 10);
	assert_true(c.cw_min == 10 && c.cw_age == 30 && c.fd_warn == 0.80 && c.fd_crit == 0.95);
	assert_true(c.dead_min == 10 && c.dead_age == 30);
	assert_string_equal(leak_level_name(LEAK_OK), "ok");
	assert_string_equal(leak_level_name(LEAK_WARNING), "warning");
	assert_string_equal(leak_level_name(LEAK_CRITICAL), "critical");
	assert_string_equal(leak_reason_name(LR_GROWTH), "growth");
	assert_string_equal(leak_reason_name(LR_CLOSE_WAIT), "close_wait");
	assert_string_equal(leak_reason_name(LR_FD_LIMIT), "fd_limit");
	assert_string_equal(leak_reason_name(LR_ACCEPT_QUEUE), "accept_queue");
	assert_string_equal(leak_reason_name(LR_DEAD_SOCKETS), "dead_sockets");
	assert_string_equal(leak_reason_name(1u << LR_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_with_noise),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_sawtooth),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_slow_leak),
		cmocka_unit_test(test_fast_leak),
		cmocka_unit_test(test_leak_starts_late),
		cmocka_unit_test(test_long_uptime),
		cmocka_unit_test(test_noisy_leak),
		cmocka_unit_test(test_growth_eta),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_close_wait_kernel_age),
		cmocka_unit_test(test_close_wait_first_seen),
		cmocka_unit_test(test_dead_sockets_age),
		cmocka_unit_test(test_dead_sockets_below_min),
		cmocka_unit_test(test_dead_sockets_come_and_go),
		cmocka_unit_test(test_dead_sockets_shared),
		cmocka_unit_test(test_fd_limit),
		cmocka_unit_test(test_accept_queue),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_names_and_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
