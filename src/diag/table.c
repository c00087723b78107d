/* table.c: the flat array of sockets one round of dumps produces. */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/diag.h"

void sock_table_init(struct sock_table *t)
{
	t->v = NULL;
	t->n = 0;
	t->cap = 0;
	t->ti = NULL;
	t->nti = 0;
	t->ticap = 0;
	strpool_init(&t->names);
}

void sock_table_fini(struct sock_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
	t->cap = 0;
	free(t->ti);
	t->ti = NULL;
	t->nti = 0;
	t->ticap = 0;
	strpool_fini(&t->names);
}

/* Forget every record but keep the memory for the next round. */
void sock_table_reset(struct sock_table *t)
{
	t->n = 0;
	t->nti = 0;
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
