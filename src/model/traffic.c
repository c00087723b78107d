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
 * by row and one selection per row, linear in the sockets.
 */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/model.h"

/* The rows of one kind a socket belongs to: at most TR_MAX of them (more are left out). */
#define TR_MAX 32
typedef size_t (*tr_groups_fn)(const struct snapshot *s, uint32_t sock, uint32_t *out);

static size_t groups_proc(const struct snapshot *s, uint32_t sock, uint32_t *out)
{
	size_t n = 0;
	uint32_t l;

	/* A process counts an inode once: so does its traffic. */
	if (s->socks.v[sock].dup)
		return 0;
	for (l = sock_owner_first(s, sock); l != NONE && n < TR_MAX; l = sock_owner_next(s, l))
		out[n++] = owner_proc(s, l);
	return n;
}

/* Its owners' services, each once (a service's sockets are distinct). */
static size_t groups_service(const struct snapshot *s, uint32_t sock, uint32_t *out)
{
	size_t n = 0, i;
	uint32_t l;

	if (s->socks.v[sock].dup)
		return 0;
	for (l = sock_owner_first(s, sock); l != NONE && n < TR_MAX; l = sock_owner_next(s, l)) {
		uint32_t svc = proc_service(s, owner_proc(s, l));

		for (i = 0; i < n && out[i] != svc; i++)
			;
		if (svc != NONE && i == n)
			out[n++] = svc;
	}
	return n;
}

static size_t groups_listener(const struct snapshot *s, uint32_t sock, uint32_t *out)
{
	uint32_t row = sock_listener_row(s, sock);

	/* The listening socket itself carries nothing: its connections do. */
	if (row == NONE || s->socks.v[sock].state == TS_LISTEN)
		return 0;
	out[0] = row;
	return 1;
}

static size_t groups_port(const struct snapshot *s, uint32_t sock, uint32_t *out)
{
	uint32_t row = sock_port_row(s, sock);

	if (row == NONE)
		return 0;
	out[0] = row;
	return 1;
}

static size_t groups_total(const struct snapshot *s, uint32_t sock, uint32_t *out)
{
	(void)s;
	(void)sock;
	out[0] = 0;
	return 1;
}

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

/* Sum the sockets of every row of kind k (ngroups of them). */
static void sum_kind(struct snapshot *s, enum row_kind k, size_t ngroups, tr_groups_fn groups)
{
	uint32_t out[TR_MAX];
	size_t i, j, n, m = 0;

	for (i = 0; i < ngroups; i++)
		memset(traffic_at(s, k, (uint32_t)i), 0, sizeof(struct traffic));
	if (ngroups == 0)
		return;
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		const struct sock_tcpi *x = sock_tcpi(&s->socks, r);

		if (x == NULL || !r->match)
			continue;
		n = groups(s, (uint32_t)i, out);
		for (j = 0; j < n; j++) {
			struct traffic *t = traffic_at(s, k, out[j]);

			if (x->have & TCPI_RATED) {
				t->rx += x->rx;
				t->tx += x->tx;
				t->retr += x->retr;
				t->rated++;
			}
			if (r->state != TS_ESTABLISHED)
				continue;
			s->tr_pair =
				xgrow(s->tr_pair, &s->tr_paircap, 2 * (m + 1), sizeof *s->tr_pair);
			s->tr_pair[2 * m] = out[j];
			s->tr_pair[2 * m + 1] = x->rtt_us;
			m++;
			t->rtt_n++;
			if (x->rtt_us > t->rtt_max)
				t->rtt_max = x->rtt_us;
		}
	}
	if (m == 0)
		return;
	/* A counting sort by row puts each row's RTTs in one run; then its median. */
	s->tr_off = xgrow(s->tr_off, &s->tr_offcap, ngroups + 1, sizeof *s->tr_off);
	memset(s->tr_off, 0, (ngroups + 1) * sizeof *s->tr_off);
	for (i = 0; i < m; i++)
		s->tr_off[s->tr_pair[2 * i] + 1]++;
	for (i = 0; i < ngroups; i++)
		s->tr_off[i + 1] += s->tr_off[i];
	s->tr_sorted = xgrow(s->tr_sorted, &s->tr_sortcap, m, sizeof *s->tr_sorted);
	for (i = 0; i < m; i++)
		s->tr_sorted[s->tr_off[s->tr_pair[2 * i]]++] = s->tr_pair[2 * i + 1];
	/* tr_off[g] is now where row g's run ends, and row g + 1's begins. */
	for (i = 0, j = 0; i < ngroups; j = s->tr_off[i++]) {
		if (s->tr_off[i] > j)
			traffic_at(s, k, (uint32_t)i)->rtt_med =
				median_u32(s->tr_sorted + j, s->tr_off[i] - j);
	}
}

void snapshot_traffic(struct snapshot *s)
{
	if (!s->tcp_info) {
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
		return;
	}
	sum_kind(s, ROW_PROC, s->procs.n, groups_proc);
	sum_kind(s, ROW_SERVICE, s->nservices, groups_service);
	sum_kind(s, ROW_LISTENER, s->nlisteners, groups_listener);
	sum_kind(s, ROW_PORT, s->nports, groups_port);
	sum_kind(s, ROW_KIND_COUNT, 1, groups_total);
}

const struct traffic *row_traffic(const struct snapshot *s, enum row_kind k, uint32_t row)
{
	if (!s->tcp_info || k == ROW_SOCKET)
		return NULL;
	return traffic_at((struct snapshot *)s, k, row);
}
