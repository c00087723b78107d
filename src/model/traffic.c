/*
 * traffic.c: what the sockets carried, summed per process, service, listener,
 * port and for the whole snapshot.
 *
 * A socket's rates come from its tcp_info counters at two refreshes (the
 * collector sets them); here they are summed over the sockets each row
 * holds, with the same membership as every count (relate.c): a process sums
 * the sockets it holds, a service its distinct sockets, a listener the
 * connections counted for it, a port row its sockets. Only the sockets the
 * filter expression matches count. The RTT of a row is the median and the
 * maximum over its established sockets; the medians take one counting sort
 * by row per kind (a pass over the sockets each, into one shared buffer: no
 * (row, RTT) pairs are stored) and one selection per row, linear in the sockets.
 */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/model.h"

static struct traffic *traffic_at(struct snapshot *s, enum row_kind k, uint32_t row)
{
	switch (k) {
	case ROW_PROC:
		return &s->pstats[row].traffic;
	case ROW_SERVICE:
		return &s->services[row].traffic;
	case ROW_LISTENER:
		return &s->listeners[row].traffic;
	case ROW_PORT:
		return &s->ports[row].traffic;
	default:
		return &s->totals.traffic;
	}
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

/*
 * Put the k-th smallest of v[0..n) at v[k], smaller ones before it (Hoare's
 * selection with a middle pivot); linear on average.
 */
static void select_kth(uint32_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				swap_u32(&v[i], &v[j]);
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* The median of v[0..n), n > 0 (the mean of the two middle values when n is even). */
static double median_u32(uint32_t *v, size_t n)
{
	size_t k = n / 2, i;
	uint32_t below = 0;

	select_kth(v, n, k);
	if (n % 2 == 1)
		return v[k];
	for (i = 0; i < k; i++)
		below = v[i] > below ? v[i] : below;
	return ((double)below + (double)v[k]) / 2.0;
}

/* Add socket x (in state est or not) to row g of kind k: its rates, its RTT's count and maximum. */
static void tr_add(struct snapshot *s, enum row_kind k, uint32_t g, const struct sock_tcpi *x,
		   int est)
{
	struct traffic *t = traffic_at(s, k, g);

	if (x->have & TCPI_RATED) {
		t->rx += x->rx;
		t->tx += x->tx;
		t->retr += x->retr;
		t->rated++;
	}
	if (!est)
		return;
	t->rtt_n++;
	if (x->rtt_us > t->rtt_max)
		t->rtt_max = x->rtt_us;
}

/* Its owners' services, each once (a service's sockets are distinct): how many in out. */
static size_t sock_services(const struct snapshot *s, uint32_t sock, uint32_t *out, size_t max)
{
	size_t n = 0, i;
	uint32_t l;

	for (l = sock_owner_first(s, sock); l != NONE && n < max; l = sock_owner_next(s, l)) {
		uint32_t svc = proc_service(s, owner_proc(s, l));

		for (i = 0; i < n && out[i] != svc; i++)
			;
		if (svc != NONE && i == n)
			out[n++] = svc;
	}
	return n;
}

#define TR_SVC_MAX 32	/* distinct services of one socket's owners counted (more: left out) */
#define TR_SUMS	   (-1) /* the pass that sums every kind (else: one that places kind k's RTTs) */

/*
 * Row g of kind k holds socket x: the sums pass adds x to it; the median pass
 * of kind k puts x's RTT where the row's run goes on (tr_off).
 */
static void tr_put(struct snapshot *s, int pass, enum row_kind k, uint32_t g,
		   const struct sock_tcpi *x, int est)
{
	if (pass == TR_SUMS)
		tr_add(s, k, g, x, est);
	else
		s->tr_sorted[s->tr_off[g]++] = x->rtt_us;
}

/* Socket i (tcp_info x) to the rows that hold it, of every kind or of kind pass only. */
static void tr_socket(struct snapshot *s, int pass, uint32_t i, const struct sock_tcpi *x)
{
	const struct sock_rec *r = &s->socks.v[i];
	uint32_t svc[TR_SVC_MAX], l, row;
	size_t n, j;
	int est = r->state == TS_ESTABLISHED;

#define WANT(k) (pass == TR_SUMS || pass == (int)(k))
	if (WANT(ROW_KIND_COUNT))
		tr_put(s, pass, ROW_KIND_COUNT, 0, x, est);
	/* A process counts an inode once: so does its traffic, and its service's. */
	if (!r->dup && r->owner != NONE) {
		if (WANT(ROW_PROC)) {
			for (l = r->owner; l != NONE; l = sock_owner_next(s, l))
				tr_put(s, pass, ROW_PROC, owner_proc(s, l), x, est);
		}
		if (WANT(ROW_SERVICE)) {
			n = sock_services(s, i, svc, TR_SVC_MAX);
			for (j = 0; j < n; j++)
				tr_put(s, pass, ROW_SERVICE, svc[j], x, est);
		}
	}
	/* The listening socket itself carries nothing: its connections do. */
	if (WANT(ROW_LISTENER) && r->state != TS_LISTEN && (row = sock_listener_row(s, i)) != NONE)
		tr_put(s, pass, ROW_LISTENER, row, x, est);
	if (WANT(ROW_PORT) && (row = sock_port_row(s, i)) != NONE)
		tr_put(s, pass, ROW_PORT, row, x, est);
#undef WANT
}

/*
 * Each row's RTT median for kind k (ngroups rows). The sums counted each
 * row's established sockets: a run per row in one buffer, filled by a pass
 * over the sockets for this kind (a counting sort by row), then a selection
 * per run. One buffer serves every kind in turn.
 */
static void tr_medians(struct snapshot *s, enum row_kind k, size_t ngroups)
{
	size_t i, j, m = 0;

	if (ngroups == 0)
		return;
	s->tr_off = xgrow(s->tr_off, &s->tr_offcap, ngroups + 1, sizeof *s->tr_off);
	for (i = 0; i < ngroups; i++) {
		s->tr_off[i] = (uint32_t)m;
		m += traffic_at(s, k, (uint32_t)i)->rtt_n;
	}
	if (m == 0)
		return;
	s->tr_sorted = xgrow(s->tr_sorted, &s->tr_sortcap, m, sizeof *s->tr_sorted);
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];

		if (r->tcpi != SOCK_NO_TCPI && r->match && r->state == TS_ESTABLISHED)
			tr_socket(s, (int)k, (uint32_t)i, &s->socks.ti[r->tcpi]);
	}
	/* tr_off[g] is now where row g's run ends, and row g + 1's begins. */
	for (i = 0, j = 0; i < ngroups; j = s->tr_off[i++]) {
		if (s->tr_off[i] > j)
			traffic_at(s, k, (uint32_t)i)->rtt_med =
				median_u32(s->tr_sorted + j, s->tr_off[i] - j);
	}
}

static void tr_reset(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->procs.n; i++)
		memset(&s->pstats[i].traffic, 0, sizeof(struct traffic));
	for (i = 0; i < s->nservices; i++)
		memset(&s->services[i].traffic, 0, sizeof(struct traffic));
	for (i = 0; i < s->nlisteners; i++)
		memset(&s->listeners[i].traffic, 0, sizeof(struct traffic));
	for (i = 0; i < s->nports; i++)
		memset(&s->ports[i].traffic, 0, sizeof(struct traffic));
	memset(&s->totals.traffic, 0, sizeof(struct traffic));
}

/*
 * One pass over the sockets sums every kind of row; then the medians, kind
 * by kind, each with a pass over the established sockets.
 */
void snapshot_traffic(struct snapshot *s)
{
	size_t i;

	tr_reset(s);
	if (!s->tcp_info)
		return;
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];

		if (r->tcpi != SOCK_NO_TCPI && r->match)
			tr_socket(s, TR_SUMS, (uint32_t)i, &s->socks.ti[r->tcpi]);
	}
	tr_medians(s, ROW_PROC, s->procs.n);
	tr_medians(s, ROW_SERVICE, s->nservices);
	tr_medians(s, ROW_LISTENER, s->nlisteners);
	tr_medians(s, ROW_PORT, s->nports);
	tr_medians(s, ROW_KIND_COUNT, 1);
}

const struct traffic *row_traffic(const struct snapshot *s, enum row_kind k, uint32_t row)
{
	if (!s->tcp_info || k == ROW_SOCKET)
		return NULL;
	return traffic_at((struct snapshot *)s, k, row);
}
