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
 * maximum over its established sockets. A row of one or two has its median
 * from the range the sums keep; the others take one counting sort by row per
 * kind (a pass over the sockets each, into one shared buffer: no (row, RTT)
 * pairs are stored) and one selection per row, linear in the sockets. The
 * totals' RTTs are laid out by the summing pass itself.
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

/* Socket x (in state est or not) into t: its rates, its RTT's count and range. */
static inline void tr_add(struct traffic *t, const struct sock_tcpi *x, int est)
{
	if (x->have & TCPI_RATED) {
		t->rx += x->rx;
		t->tx += x->tx;
		t->retr += x->retr;
		t->rated++;
	}
	if (!est)
		return;
	if (t->rtt_n == 0 || x->rtt_us < t->rtt_min)
		t->rtt_min = x->rtt_us;
	if (x->rtt_us > t->rtt_max)
		t->rtt_max = x->rtt_us;
	t->rtt_n++;
}

#define TR_SVC_MAX 32 /* distinct services of one socket's owners counted (more: left out) */

/* Its owners' services, each once (a service's sockets are distinct): how many in out. */
static size_t sock_services(const struct snapshot *s, uint32_t sock, uint32_t *out)
{
	uint32_t l, one = s->rel[sock].proc, svc;
	size_t n = 0, i;

	/* The common case, one owner, needs neither the links nor a search. */
	if (one != REL_OWNERS) {
		svc = one != NONE ? s->pstats[one].service : NONE;
		out[0] = svc;
		return svc != NONE;
	}
	for (l = s->socks.v[sock].owner; l != NONE && n < TR_SVC_MAX; l = sock_owner_next(s, l)) {
		svc = s->pstats[owner_proc(s, l)].service;
		for (i = 0; i < n && out[i] != svc; i++)
			;
		if (svc != NONE && i == n)
			out[n++] = svc;
	}
	return n;
}

#define TR_NO_RTT UINT32_MAX /* tr_rtt: not in the medians (not ESTABLISHED, unmatched...) */

/*
 * The median of a row of n RTTs. One or two need no buffer (the range says
 * them): only rows of three and more have a run in tr_sorted.
 */
#define TR_RUN(n) ((n) > 2)

/* RTT v into row t's run, if it has one (off: where the run goes on). */
static inline void tr_place(struct snapshot *s, const struct traffic *t, uint32_t *off, uint32_t v)
{
	if (TR_RUN(t->rtt_n))
		s->scratch->tr_sorted[(*off)++] = v;
}

/*
 * Each row's RTT median for kind k (ngroups rows). The sums counted each
 * row's established sockets and their range: a row of one or two has its
 * median from that; the others get a run each in one buffer, filled by a
 * pass for this kind (a counting sort by row), then a selection per run. One
 * buffer serves every kind in turn; a kind whose rows are all small makes no
 * pass. The pass reads the sums' RTT of each socket (tr_rtt) and the join's
 * rows (rel), 16 bytes a socket, not the socket records and their tcp_info:
 * at 100k sockets those are 15 MB, out of the cache after the dump.
 */
static void tr_medians(struct snapshot *s, enum row_kind k, size_t ngroups)
{
	struct join_scratch *js = s->scratch;
	const struct sock_rel *rel = s->rel;
	const uint32_t *rtt = js->tr_rtt;
	uint32_t svc[TR_SVC_MAX], l, row;
	size_t i, j, n, m = 0;

	if (ngroups == 0)
		return;
	js->tr_off = xgrow(js->tr_off, &js->tr_offcap, ngroups, sizeof *js->tr_off);
	for (i = 0; i < ngroups; i++) {
		struct traffic *t = traffic_at(s, k, (uint32_t)i);

		js->tr_off[i] = (uint32_t)m;
		if (TR_RUN(t->rtt_n))
			m += t->rtt_n;
		else if (t->rtt_n > 0)
			t->rtt_med = ((double)t->rtt_min + (double)t->rtt_max) / 2.0;
	}
	if (m == 0)
		return;
	js->tr_sorted = xgrow(js->tr_sorted, &js->tr_sortcap, m, sizeof *js->tr_sorted);
	/* One loop per kind, so that the test of the kind is not made per socket. */
	switch (k) {
	case ROW_PROC:
		for (i = 0; i < s->socks.n; i++) {
			if (rtt[i] == TR_NO_RTT || (row = rel[i].proc) == NONE)
				continue;
			if (row != REL_OWNERS) {
				tr_place(s, &s->pstats[row].traffic, &js->tr_off[row], rtt[i]);
				continue;
			}
			for (l = s->socks.v[i].owner; l != NONE; l = sock_owner_next(s, l)) {
				row = owner_proc(s, l);
				tr_place(s, &s->pstats[row].traffic, &js->tr_off[row], rtt[i]);
			}
		}
		break;
	case ROW_SERVICE:
		for (i = 0; i < s->socks.n; i++) {
			if (rtt[i] == TR_NO_RTT || rel[i].proc == NONE)
				continue;
			n = sock_services(s, (uint32_t)i, svc);
			for (j = 0; j < n; j++)
				tr_place(s, &s->services[svc[j]].traffic, &js->tr_off[svc[j]],
					 rtt[i]);
		}
		break;
	case ROW_LISTENER:
		for (i = 0; i < s->socks.n; i++) {
			if (rtt[i] == TR_NO_RTT || rel[i].listener == NONE ||
			    (row = s->lsocks[rel[i].listener].row) == NONE)
				continue;
			tr_place(s, &s->listeners[row].traffic, &js->tr_off[row], rtt[i]);
		}
		break;
	case ROW_PORT:
		for (i = 0; i < s->socks.n; i++) {
			if (rtt[i] == TR_NO_RTT || (row = rel[i].port) == NONE)
				continue;
			tr_place(s, &s->ports[row].traffic, &js->tr_off[row], rtt[i]);
		}
		break;
	default:
		return; /* the totals' run is filled by the sums */
	}
	/* tr_off[g] is now where row g's run ends; it began rtt_n before. */
	for (i = 0; i < ngroups; i++) {
		struct traffic *t = traffic_at(s, k, (uint32_t)i);

		if (TR_RUN(t->rtt_n))
			t->rtt_med = median_u32(js->tr_sorted + js->tr_off[i] - t->rtt_n, t->rtt_n);
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
 * One pass over the sockets sums every kind of row and lays out the totals'
 * RTTs (every matched established socket, about one per tcp_info entry);
 * then the medians, kind by kind, each with a pass over the sockets when a
 * row of that kind has three RTTs or more.
 */
void snapshot_traffic(struct snapshot *s)
{
	struct join_scratch *js = s->scratch;
	const struct sock_table *st = &s->socks;
	struct traffic *tot = &s->totals.traffic;
	uint32_t svc[TR_SVC_MAX], l, row;
	size_t i, j, n, m = 0;

	tr_reset(s);
	if (!s->tcp_info)
		return;
	js->tr_rtt = xgrow(js->tr_rtt, &js->tr_rttcap, st->n > 0 ? st->n : 1, sizeof *js->tr_rtt);
	for (i = 0; i < st->n; i++) {
		const struct sock_rec *r = &st->v[i];
		const struct sock_tcpi *x;
		struct sock_tcpi rtt_only; /* st->rtt_only: the RTT, no counters, no rates */
		int est;

		js->tr_rtt[i] = TR_NO_RTT;
		if (r->tcpi == SOCK_NO_TCPI || !r->match)
			continue;
		if (st->rtt_only) {
			memset(&rtt_only, 0, sizeof rtt_only);
			rtt_only.rtt_us = st->rtt[r->tcpi];
			x = &rtt_only;
		} else {
			x = &st->ti[r->tcpi];
		}
		est = r->state == TS_ESTABLISHED;
		tr_add(tot, x, est);
		if (est) {
			/* UINT32_MAX µs (71 minutes) is no RTT the kernel keeps. */
			js->tr_rtt[i] = x->rtt_us < TR_NO_RTT ? x->rtt_us : TR_NO_RTT - 1;
			if (m == js->tr_sortcap) /* not before a record shares an entry */
				js->tr_sorted = xgrow(js->tr_sorted, &js->tr_sortcap, m + 1,
						      sizeof *js->tr_sorted);
			js->tr_sorted[m++] = js->tr_rtt[i];
		}
		/* A process counts an inode once: so does its traffic, and its service's. */
		if ((row = s->rel[i].proc) != NONE) {
			if (row != REL_OWNERS) {
				tr_add(&s->pstats[row].traffic, x, est);
			} else {
				for (l = r->owner; l != NONE; l = sock_owner_next(s, l))
					tr_add(&s->pstats[owner_proc(s, l)].traffic, x, est);
			}
			n = sock_services(s, (uint32_t)i, svc);
			for (j = 0; j < n; j++)
				tr_add(&s->services[svc[j]].traffic, x, est);
		}
		/* The listening socket itself carries nothing: its connections do. */
		if (r->state != TS_LISTEN && (row = sock_listener_row(s, (uint32_t)i)) != NONE)
			tr_add(&s->listeners[row].traffic, x, est);
		if ((row = sock_port_row(s, (uint32_t)i)) != NONE)
			tr_add(&s->ports[row].traffic, x, est);
	}
	if (m > 0)
		tot->rtt_med = median_u32(js->tr_sorted, m);
	tr_medians(s, ROW_PROC, s->procs.n);
	tr_medians(s, ROW_SERVICE, s->nservices);
	tr_medians(s, ROW_LISTENER, s->nlisteners);
	tr_medians(s, ROW_PORT, s->nports);
}

const struct traffic *row_traffic(const struct snapshot *s, enum row_kind k, uint32_t row)
{
	if (!s->tcp_info || k == ROW_SOCKET)
		return NULL;
	return traffic_at((struct snapshot *)s, k, row);
}
