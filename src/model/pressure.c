/* pressure.c: system-wide resources against their limits (ENFILE, orphans, ports). */
#include "sockwatch/model.h"

unsigned pressure_level(int64_t used, int64_t max)
{
	if (used < 0 || max <= 0)
		return LEAK_OK;
	if (used * 100 >= max * 95)
		return LEAK_CRITICAL;
	return used * 100 >= max * 80 ? LEAK_WARNING : LEAK_OK;
}

static unsigned note(struct strbuf *why, unsigned level, const char *what, int64_t used,
		     int64_t max)
{
	unsigned l = pressure_level(used, max);

	if (l != LEAK_OK && why != NULL)
		sb_printf(why, "%s%s %lld/%lld", why->len > 0 ? ", " : "", what, (long long)used,
			  (long long)max);
	return l > level ? l : level;
}

unsigned system_pressure(const struct snapshot *s, struct strbuf *why)
{
	const struct totals *t = &s->totals;
	unsigned level = LEAK_OK;

	level = note(why, level, "system files", t->fds_alloc, t->fds_max);
	level = note(why, level, "orphans", t->orphans, s->sys.max_orphans);
	if (t->tw_peer_sock != NONE && s->sys.port_lo >= 0)
		level = note(why, level, "TIME_WAIT to one peer", t->tw_peer_max,
			     s->sys.port_hi - s->sys.port_lo + 1);
	return level;
}
