/*
 * leak.c: the leak detector's judgement of one process from its history
 * (history.c keeps it). Pure arithmetic: no I/O, no clock.
 *
 * growth. A leak keeps rising at its low points; load comes and goes. So the
 * detector looks at the lower envelope: a span of history is cut into SEGS
 * equal parts, the floor of each part is its minimum sample, and the span is
 * "growing" when
 *   - the last floor is at least growth_min above the first,
 *   - the least-squares slope through the floors is at least growth_rate_min,
 *   - the rise is spread over the span: the floor rises at every step by at
 *     least ASCENT_MIN of the mean step, at the last one too (still rising
 *     now); a pool that fills once is one or two steps;
 *   - the samples' trend is significant (Mann-Kendall score >= TREND_Z): the
 *     floors of a flat but noisy count can line up by chance, its samples do not.
 * A sawtooth has flat floors once a part is longer than its period; a step has
 * one big ascent; a flat noisy count has floors that differ by little and at
 * random. A series found growing at the last refresh keeps growing on a
 * relaxed test (KEEP_ASCENTS, KEEP_Z, a last step that rises at all), so that
 * the noise of a leak does not make the flag flicker; a leak that stops loses
 * it within a few parts (about a third of the window).
 * The spans judged are the whole window and its last half and quarter
 * (each at least JUDGE_SPAN long), so that a leak that began within the window,
 * or a process younger than the window, is judged on what there is.
 * growth_per_min is the envelope's slope (of the growing span if any).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/leak.h"
#include "leak_int.h"

#define SEGS	     6	   /* parts of a span; floors */
#define MIN_ASCENTS  5	   /* of SEGS - 1: the floor rises at every step */
#define KEEP_ASCENTS 3	   /* ... or at this many, for a series already growing */
#define ASCENT_MIN   0.25  /* an ascent is at least this share of the mean step */
#define EST_SPAN     5.0   /* s: shortest history with a growth estimate */
#define JUDGE_SPAN   12.0  /* s: shortest span judged (or 3/4 of a shorter window) */
#define JUDGE_MIN_N  10	   /* samples a judged span needs (fewer cannot reach TREND_Z) */
#define ETA_CRITICAL 300.0 /* s: growth with fds this close to the limit is critical */
#define CW_CRIT_MULT 10	   /* close_wait is critical at this many times cw_min */
#define DS_CRIT_MULT 10	   /* dead_sockets is critical at this many times dead_min */
#define TREND_Z	     4.0   /* Mann-Kendall score a judged span needs */
#define KEEP_Z	     2.0   /* ... and one already growing */

const char *leak_level_name(unsigned level)
{
	static const char *const names[] = {
		[LEAK_OK] = "ok",
		[LEAK_WARNING] = "warning",
		[LEAK_CRITICAL] = "critical",
	};

	return level < ARRAY_LEN(names) ? names[level] : "unknown";
}

const char *leak_reason_name(unsigned reason_bit)
{
	/* By bit position (enum leak_reason): JSON and the reasons' texts follow this order. */
	static const char *const names[] = { "growth", "close_wait", "fd_limit", "accept_queue",
					     "dead_sockets" };
	unsigned b;

	_Static_assert(ARRAY_LEN(names) == LR_COUNT, "a name for every leak reason");
	for (b = 0; b < LR_COUNT; b++) {
		if (reason_bit == 1u << b)
			return names[b];
	}
	return "unknown";
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

int leak_verdict_cmp(const struct leak_verdict *a, const struct leak_verdict *b)
{
	int ra = __builtin_popcount(a->reasons), rb = __builtin_popcount(b->reasons);
	double ga = a->has_growth ? a->growth_per_min : 0,
	       gb = b->has_growth ? b->growth_per_min : 0;

	if (a->level != b->level)
		return CMP(a->level, b->level);
	if (ra != rb)
		return CMP(ra, rb);
	if (ga != gb)
		return CMP(ga, gb);
	if (a->cw_old != b->cw_old)
		return CMP(a->cw_old, b->cw_old);
	return CMP(a->dead_old, b->dead_old);
}

unsigned leak_fd_level(const struct leak_config *c, int64_t fds, int64_t limit)
{
	double used;

	if (limit < 0 || limit == PROC_UNLIMITED || fds < 0)
		return LEAK_OK;
	/* A soft limit of 0: not one more fd can be opened (accept, socket, open all fail). */
	if (limit == 0)
		return fds > 0 ? LEAK_CRITICAL : LEAK_OK;
	used = (double)fds / (double)limit;
	return used > c->fd_crit ? LEAK_CRITICAL : used > c->fd_warn ? LEAK_WARNING : LEAK_OK;
}

/* Least-squares slope of y over x; 0 when x does not vary. */
static double ls_slope(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	return sxx > 0 ? sxy / sxx : 0.0;
}

/* A span of the series: samples i0..n-1, the first one's time clamped to start. */
struct span {
	const double *t;
	const uint32_t *y;
	size_t i0, n;
	double t0; /* max(t[i0], start) */
};

static double span_time(const struct span *sp, size_t i)
{
	return i == sp->i0 ? sp->t0 : sp->t[i];
}

/* The span from start to the last sample: from the sample in effect at start. */
static void span_make(struct span *sp, const double *t, const uint32_t *y, size_t n, double start)
{
	size_t i = 0;

	while (i + 1 < n && t[i + 1] <= start)
		i++;
	sp->t = t;
	sp->y = y;
	sp->i0 = i;
	sp->n = n;
	sp->t0 = t[i] > start ? t[i] : start;
}

/*
 * Floors of SEGS equal parts of the span, and the time of each (its minimum's
 * first sample). A part without samples has the value in effect at its start.
 */
static void span_floors(const struct span *sp, double *f, double *ft)
{
	double len = sp->t[sp->n - 1] - sp->t0;
	double prev = sp->y[sp->i0];
	size_t i = sp->i0;
	int k;

	for (k = 0; k < SEGS; k++) {
		double lo = sp->t0 + len * k / SEGS;
		double hi = k == SEGS - 1 ? INFINITY : sp->t0 + len * (k + 1) / SEGS;
		int have = 0;

		f[k] = prev;
		ft[k] = lo;
		for (; i < sp->n && span_time(sp, i) < hi; i++) {
			if (!have || sp->y[i] < f[k]) {
				f[k] = sp->y[i];
				ft[k] = span_time(sp, i);
				have = 1;
			}
			prev = sp->y[i];
		}
	}
}

/*
 * Mann-Kendall trend score of the span's samples: the number of pairs that
 * rise minus those that fall, over its standard deviation under "no trend"
 * (ties are not corrected for, which only lowers the score).
 */
static double span_trend_z(const struct span *sp)
{
	double n = (double)(sp->n - sp->i0), var, sum = 0;
	size_t i, j;

	for (i = sp->i0; i + 1 < sp->n; i++) {
		for (j = i + 1; j < sp->n; j++)
			sum += (sp->y[j] > sp->y[i]) - (sp->y[j] < sp->y[i]);
	}
	var = n * (n - 1) * (2 * n + 5) / 18;
	if (sum > 0)
		sum -= 1; /* continuity correction */
	return var > 0 ? sum / sqrt(var) : 0;
}

/*
 * The growth test (see the top of the file) on one span, its slope in *slope;
 * relaxed (keep) for a series that was growing at the last refresh.
 */
static int span_growing(const struct span *sp, const struct leak_config *c, int keep, double *slope)
{
	double f[SEGS], ft[SEGS], rise, min_step, last_min;
	double judge = JUDGE_SPAN < 0.75 * c->window ? JUDGE_SPAN : 0.75 * c->window;
	int k, ascents = 0;

	if (sp->t[sp->n - 1] - sp->t0 < judge || sp->n - sp->i0 < JUDGE_MIN_N)
		return 0;
	span_floors(sp, f, ft);
	*slope = ls_slope(ft, f, SEGS);
	rise = f[SEGS - 1] - f[0];
	if (rise <= 0 || rise < c->growth_min || *slope * 60 < c->growth_rate_min)
		return 0;
	min_step = ASCENT_MIN * rise / (SEGS - 1);
	for (k = 0; k + 1 < SEGS; k++)
		ascents += f[k + 1] - f[k] >= min_step;
	last_min = keep ? 1 : min_step;
	if (ascents < (keep ? KEEP_ASCENTS : MIN_ASCENTS) || f[SEGS - 1] - f[SEGS - 2] < last_min)
		return 0;
	return span_trend_z(sp) >= (keep ? KEEP_Z : TREND_Z);
}

void leak_trend(const double *t, const uint32_t *y, size_t n, const struct leak_config *c,
		int was_growing, struct leak_trend *out)
{
	static const double parts[] = { 1.0, 0.5, 0.25 };
	struct span sp;
	double span, slope;
	size_t p;

	memset(out, 0, sizeof *out);
	if (n > HIST_CAP) { /* the caller never has more; judge the newest */
		t += n - HIST_CAP;
		y += n - HIST_CAP;
		n = HIST_CAP;
	}
	if (n < 2 || t[n - 1] - t[0] < EST_SPAN)
		return;
	span = t[n - 1] - t[0];
	out->has = 1;
	span_make(&sp, t, y, n, t[0]);
	if (n >= SEGS) {
		double f[SEGS], ft[SEGS];

		span_floors(&sp, f, ft);
		out->per_sec = ls_slope(ft, f, SEGS);
	} else {
		double yd[SEGS];

		for (p = 0; p < n; p++)
			yd[p] = y[p];
		out->per_sec = ls_slope(t, yd, n);
	}
	for (p = 0; p < ARRAY_LEN(parts); p++) {
		span_make(&sp, t, y, n, t[n - 1] - span * parts[p]);
		if (span_growing(&sp, c, was_growing, &slope)) {
			out->growing = 1;
			out->per_sec = slope;
			return;
		}
	}
}

static void raise_level(struct leak_verdict *v, unsigned reason, unsigned level)
{
	v->reasons |= (uint8_t)reason;
	if (level > v->level)
		v->level = (uint8_t)level;
}

/*
 * Levels: growth is a warning, critical when the fds will reach the limit
 * within ETA_CRITICAL (a fast rise far from any limit is not yet an emergency;
 * the rate is shown). close_wait is a warning, critical from CW_CRIT_MULT
 * times cw_min. fd_limit: over fd_warn of the soft limit a warning, over
 * fd_crit critical. accept_queue: a warning, critical when a listener was full
 * at this refresh and the one before. dead_sockets is a warning, critical from
 * DS_CRIT_MULT times dead_min.
 */
void leak_judge(const struct leak_config *c, const struct leak_facts *f, struct leak_verdict *v)
{
	int limited = f->fd_limit > 0 && f->fd_limit != PROC_UNLIMITED && f->fds >= 0;

	memset(v, 0, sizeof *v);
	v->cw_old = f->cw_old;
	v->dead_old = f->dead_old;
	v->queue_full = f->queue_full;
	if (f->socks.has) {
		v->has_growth = 1;
		v->growth_per_min = f->socks.per_sec * 60;
	}
	/* An ETA when the fds are growing (or the sockets are, and the fds rise). */
	if (limited && f->fdt.has && f->fdt.per_sec > 0 && (f->fdt.growing || f->socks.growing)) {
		double left = (double)(f->fd_limit - f->fds);

		v->has_eta = 1;
		v->eta_seconds = left > 0 ? left / f->fdt.per_sec : 0;
	}
	if (f->socks.growing) {
		int crit = v->has_eta && v->eta_seconds < ETA_CRITICAL;

		raise_level(v, LR_GROWTH, crit ? LEAK_CRITICAL : LEAK_WARNING);
	}
	if (f->cw_old > 0 && f->cw_old >= c->cw_min) {
		int crit = (uint64_t)f->cw_old >= (uint64_t)c->cw_min * CW_CRIT_MULT;

		raise_level(v, LR_CLOSE_WAIT, crit ? LEAK_CRITICAL : LEAK_WARNING);
	}
	if (leak_fd_level(c, f->fds, f->fd_limit) != LEAK_OK)
		raise_level(v, LR_FD_LIMIT, leak_fd_level(c, f->fds, f->fd_limit));
	if (f->queue_full > 0)
		raise_level(v, LR_ACCEPT_QUEUE, f->queue_crit ? LEAK_CRITICAL : LEAK_WARNING);
	if (f->dead_old > 0 && f->dead_old >= c->dead_min) {
		int crit = (uint64_t)f->dead_old >= (uint64_t)c->dead_min * DS_CRIT_MULT;

		raise_level(v, LR_DEAD_SOCKETS, crit ? LEAK_CRITICAL : LEAK_WARNING);
	}
}
