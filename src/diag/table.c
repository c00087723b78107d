/* table.c: the flat array of sockets one round of dumps produces. */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/diag.h"

_Static_assert(sizeof(struct sock_rec) == 72, "a socket record grew: see the memory budget");

void sock_table_init(struct sock_table *t)
{
	memset(t, 0, sizeof *t);
	t->a6last[0] = t->a6last[1] = UINT32_MAX;
	hmap_init(&t->a6map, 16, 16);
	strpool_init(&t->names);
}

/* Free everything; t is then empty (a second fini does nothing). */
void sock_table_fini(struct sock_table *t)
{
	free(t->v);
	free(t->ti);
	free(t->rtt);
	free(t->a6);
	hmap_fini(&t->a6map);
	strpool_fini(&t->names);
	memset(t, 0, sizeof *t);
}

/* Forget every record but keep the memory for the next round. */
void sock_table_reset(struct sock_table *t)
{
	t->n = 0;
	t->nti = 0;
	t->na6 = 0;
	t->nrtt = 0;
	t->a6last[0] = t->a6last[1] = UINT32_MAX;
	hmap_clear(&t->a6map);
	strpool_reset(&t->names);
}

struct sock_rec *sock_table_add(struct sock_table *t)
{
	struct sock_rec *r;

	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	r = &t->v[t->n++];
	memset(r, 0, sizeof(*r));
	r->owner = UINT32_MAX;
	r->last_ack = SOCK_NO_AGE;
	r->tcpi = SOCK_NO_TCPI;
	return r;
}

struct sock_tcpi *sock_table_add_tcpi(struct sock_table *t, struct sock_rec *r)
{
	struct sock_tcpi *ti;

	t->ti = xgrow(t->ti, &t->ticap, t->nti + 1, sizeof(*t->ti));
	ti = &t->ti[t->nti];
	memset(ti, 0, sizeof(*ti));
	r->tcpi = (uint32_t)t->nti++;
	return ti;
}

void sock_table_add_rtt(struct sock_table *t, struct sock_rec *r, uint32_t rtt_us)
{
	t->rtt = xgrow(t->rtt, &t->rttcap, t->nrtt + 1, sizeof(*t->rtt));
	t->rtt[t->nrtt] = rtt_us;
	r->tcpi = (uint32_t)t->nrtt++;
}

/* The index of IPv6 address a in t->a6, added when new (remote: a peer's). */
static uint32_t intern_addr6(struct sock_table *t, const uint8_t *a, int remote)
{
	uint32_t *slot, *last = &t->a6last[remote != 0];
	int isnew;

	if (*last < t->na6 && memcmp(t->a6[*last], a, 16) == 0)
		return *last;
	slot = hmap_put(&t->a6map, a, &isnew);
	if (isnew) {
		t->a6 = xgrow(t->a6, &t->a6cap, t->na6 + 1, sizeof *t->a6);
		memcpy(t->a6[t->na6], a, 16);
		*slot = (uint32_t)t->na6++;
	}
	*last = *slot;
	return *slot;
}

void sock_set_addr(struct sock_table *t, struct sock_rec *r, int remote, const void *a)
{
	uint32_t v = 0;

	if (r->family == AF_INET)
		memcpy(&v, a, 4);
	else if (r->family == AF_INET6)
		v = intern_addr6(t, a, remote);
	if (remote)
		r->da = v;
	else
		r->sa = v;
}
