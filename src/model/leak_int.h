/*
 * leak_int.h: what history.c (the memory across refreshes) and leak.c (the
 * judgement of one process) share. Private to src/model.
 */
#ifndef SOCKWATCH_LEAK_INT_H
#define SOCKWATCH_LEAK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/leak.h"

/*
 * Samples a process keeps at most. history.c spaces stored samples so that any
 * two samples two apart are at least window / HIST_GAPS apart, which bounds the
 * samples of one window to 2 * HIST_GAPS + 2 (plus the one in effect at its start).
 */
#define HIST_GAPS 60
#define HIST_CAP  128

/* What the history says of one series (socket or fd counts) over the window. */
struct leak_trend {
	int has;	/* an estimate exists (enough samples over enough time) */
	int growing;	/* the growth test passed on the window or a recent part of it */
	double per_sec; /* slope of the lower envelope: of the growing part if growing */
};

/*
 * Judge one series: t (seconds, increasing; t[0] may be clamped to the window
 * start) and y, n <= HIST_CAP samples, the last one now. was_growing: the
 * series was found growing at the last refresh (the test is then relaxed).
 */
void leak_trend(const double *t, const uint32_t *y, size_t n, const struct leak_config *c,
		int was_growing, struct leak_trend *out);

/* Everything known of one process this refresh, for leak_judge(). */
struct leak_facts {
	int64_t fds;	  /* PROC_UNKNOWN when unknown */
	int64_t fd_limit; /* PROC_UNKNOWN / PROC_UNLIMITED */
	struct leak_trend socks, fdt;
	uint32_t cw_old;     /* CLOSE_WAIT sockets at least cw_age old */
	uint32_t dead_old;   /* dead socket fds dead for at least dead_age */
	uint32_t queue_full; /* listeners full now or at some refresh of the window */
	int queue_crit;	     /* one of them was full at this refresh and the previous one */
};

/* The verdict from the facts. */
void leak_judge(const struct leak_config *c, const struct leak_facts *f, struct leak_verdict *v);

#endif
