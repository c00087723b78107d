/*
 * leak.h: per-process history of socket, fd and CLOSE_WAIT counts, and the
 * leak detector that judges it. Pure: no I/O; time is passed in.
 */
#ifndef SOCKWATCH_LEAK_H
#define SOCKWATCH_LEAK_H

#include <stdint.h>

#include "sockwatch/model.h"

/*
 * Thresholds: every one is a setting (an option and a config-file key);
 * their defaults and bounds are in the settings table (config_settings).
 */
struct leak_config {
	double window;		/* seconds of history judged */
	uint32_t growth_min;	/* minimum rise of the floor, sockets */
	double growth_rate_min; /* minimum rate, sockets per minute */
	uint32_t cw_min;	/* CLOSE_WAIT sockets older than cw_age */
	double cw_age;		/* seconds */
	uint32_t dead_min;	/* dead socket fds older than dead_age */
	double dead_age;	/* seconds since first seen dead */
	double fd_warn;		/* fraction of the soft fd limit */
	double fd_crit;		/* fraction of the soft fd limit, >= fd_warn */
};

/* The table's defaults again, for the detector's tests (test_config holds them equal). */
struct history;

struct history *history_new(const struct leak_config *c);
void history_free(struct history *h);
/*
 * Record one refresh taken at monotonic time now (seconds) and judge every
 * process of the snapshot: fills s->leak[i] for s->procs.v[i] (allocating
 * s->leak). Processes are keyed by (pid, start time); those that are gone
 * are forgotten; a reused pid starts a new history.
 */
void history_update(struct history *h, struct snapshot *s, double now);
/* Socket counts of one process over the window, oldest first, for a sparkline: count. */
size_t history_series(const struct history *h, int pid, uint64_t start, uint32_t *out, size_t max);

/* The fd_limit judgement of fds against a soft limit: LEAK_OK, _WARNING or _CRITICAL. */
unsigned leak_fd_level(const struct leak_config *c, int64_t fds, int64_t limit);
/* Order of severity of two verdicts: level, then reasons, growth, old CLOSE_WAIT, old dead. */
int leak_verdict_cmp(const struct leak_verdict *a, const struct leak_verdict *b);

const char *leak_level_name(unsigned level);	   /* "ok", "warning", "critical" */
const char *leak_reason_name(unsigned reason_bit); /* "growth", ... */

#endif
