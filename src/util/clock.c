/* clock.c: monotonic time in seconds, the clock every refresh schedule uses. */
#include <time.h>

#include "sockwatch/util.h"

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
