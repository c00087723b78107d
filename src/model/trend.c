/* trend.c: how much a cumulative kernel counter grew over the detection window. */
#include <string.h>

#include "sockwatch/model.h"

void trend_init(struct trend *tr)
{
	memset(tr, 0, sizeof *tr);
}

/*
 * Record value v at time now and return its growth over the last window
 * seconds (PROC_UNKNOWN when v is unknown). A counter that went down (reset,
 * another namespace) restarts the trend.
 */
int64_t trend_update(struct trend *tr, double now, int64_t v, double window)
{
	size_t i, oldest;

	if (v < 0) {
		tr->n = 0;
		return PROC_UNKNOWN;
	}
	if (tr->n > 0 && v < tr->v[(tr->head + tr->n - 1) % TREND_LEN])
		tr->n = 0;
	/* Drop samples older than the window, but keep one at or before its start. */
	while (tr->n > 1 && tr->t[(tr->head + 1) % TREND_LEN] <= now - window) {
		tr->head = (tr->head + 1) % TREND_LEN;
		tr->n--;
	}
	if (tr->n == TREND_LEN) {
		tr->head = (tr->head + 1) % TREND_LEN;
		tr->n--;
	}
	i = (tr->head + tr->n) % TREND_LEN;
	tr->t[i] = now;
	tr->v[i] = v;
	tr->n++;
	oldest = tr->head;
	return v - tr->v[oldest];
}
