/*
 * relate.c: what belongs to what, as the join (snapshot.c) decided it. The
 * TUI, the writers and --check ask these calls; none of them re-derives a rule.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/model.h"

int sock_owned_by(const struct snapshot *s, uint32_t sock, uint32_t proc)
{
	uint32_t l;

	for (l = sock_owner_first(s, sock); l != NONE; l = sock_owner_next(s, l)) {
		if (owner_proc(s, l) == proc)
			return 1;
	}
	return 0;
}

uint32_t sock_listener_sock(const struct snapshot *s, uint32_t sock)
{
	uint32_t ls = s->rel != NULL ? s->rel[sock].listener : NONE;

	return ls == NONE ? NONE : s->lsocks[ls].sock;
}

uint32_t sock_listener_row(const struct snapshot *s, uint32_t sock)
{
	uint32_t ls = s->rel != NULL ? s->rel[sock].listener : NONE;

	return ls == NONE ? NONE : s->lsocks[ls].row;
}

uint32_t sock_port_row(const struct snapshot *s, uint32_t sock)
{
	return s->rel != NULL ? s->rel[sock].port : NONE;
}

int sock_member(const struct snapshot *s, uint32_t sock, enum row_kind k, uint32_t row)
{
	switch (k) {
	case ROW_PROC:
		return sock_owned_by(s, sock, row);
	case ROW_LISTENER:
		return row < s->nlisteners && sock_listener_sock(s, sock) == s->listeners[row].sock;
	case ROW_PORT:
		return row != NONE && sock_port_row(s, sock) == row;
	case ROW_SERVICE:
		return sock_in_service(s, sock, row);
	default:
		return sock == row;
	}
}

int sock_in_service(const struct snapshot *s, uint32_t sock, uint32_t service)
{
	uint32_t l;

	if (service == NONE)
		return 0;
	for (l = sock_owner_first(s, sock); l != NONE; l = sock_owner_next(s, l)) {
		if (s->pstats[owner_proc(s, l)].service == service)
			return 1;
	}
	return 0;
}

uint32_t proc_sockets(const struct snapshot *s, uint32_t proc)
{
	const struct proc_stats *ps = &s->pstats[proc];

	if (s->expr != NULL)
		return ps->tcp + ps->udp + ps->unix_;
	return s->procs.v[proc].ino_n;
}

/* Linux's TIME_WAIT length (TCP_TIMEWAIT_LEN, include/net/tcp.h): fixed, no sysctl. */
#define TIME_WAIT_MS 60000
/* A tenth of a second, what JSON and CSV print: bounds this close are one value. */
#define AGE_GRAIN_MS  100
#define DIAG_TIMER_TW 3 /* idiag_timer of a TIME_WAIT minisocket */

/*
 * How long the kernel says the socket has been in its state, in ms: 1 exact,
 * 0 a lower bound, -1 the kernel does not say.
 */
static int state_age_ms(const struct sock_rec *r, uint32_t *ms)
{
	uint32_t lo, hi;

	if (r->proto != SP_TCP)
		return -1;
	/*
	 * The kernel starts a TIME_WAIT socket's timer at 60 s and reports what
	 * is left. A segment from the peer (its FIN again, our last ACK lost)
	 * starts it over, so what has run is at least the time in TIME_WAIT. A
	 * FIN_WAIT2 minisocket (timer 3 too) runs tcp_fin_timeout or the
	 * socket's TCP_LINGER2, less what it waited as a full socket: unknown.
	 */
	if (r->state == TS_TIME_WAIT && r->timer == DIAG_TIMER_TW) {
		*ms = r->expires < TIME_WAIT_MS ? TIME_WAIT_MS - r->expires : 0;
		return 0;
	}
	/*
	 * The peer's FIN carried an ACK, and every ACK since makes last_ack_recv
	 * smaller: the age is at least that. No data comes after a FIN, and a
	 * bare FIN is no data: it is at most last_data_recv. Both in the same
	 * tenth of a second (data and FIN in one segment): exact.
	 */
	if (r->state == TS_CLOSE_WAIT && r->last_ack != SOCK_NO_AGE) {
		lo = r->last_ack < r->last_data ? r->last_ack : r->last_data;
		hi = r->last_ack < r->last_data ? r->last_data : r->last_ack;
		if (hi - lo < AGE_GRAIN_MS) {
			*ms = lo;
			return 1;
		}
		if (r->last_data < r->last_ack)
			return -1; /* data after the last ACK: these bounds bound nothing */
		*ms = r->last_ack;
		return 0;
	}
	return -1;
}

int sock_age(const struct snapshot *s, uint32_t sock, double *seconds, enum age_source *src)
{
	const struct sock_rec *r = &s->socks.v[sock];
	uint32_t ms;
	int exact = state_age_ms(r, &ms);

	if (exact >= 0) {
		if (src != NULL)
			*src = AGE_STATE;
		if (exact) {
			*seconds = ms / 1000.0;
			return 1;
		}
		if (ms < AGE_GRAIN_MS)
			return -1;		       /* a lower bound of nothing */
		*seconds = (ms / AGE_GRAIN_MS) / 10.0; /* down to the tenth: still a lower bound */
		return 0;
	}
	if (src != NULL)
		*src = AGE_SEEN;
	if (s->now_ds == 0 || r->seen == 0 || r->seen > s->now_ds ||
	    (r->seen <= s->first_ds && r->seen == s->now_ds))
		return -1;
	*seconds = (double)(s->now_ds - r->seen) / 10.0;
	return r->seen > s->first_ds;
}

uint32_t proc_service(const struct snapshot *s, uint32_t proc)
{
	return s->pstats[proc].service;
}

const char *service_name(const struct snapshot *s, uint32_t service, size_t *len)
{
	return strpool_get(&s->strs, service < s->nservices ? s->services[service].name : 0, len);
}

static struct row_key sock_key(const struct sock_rec *r)
{
	struct row_key k = { r->cookie, (uint64_t)r->proto << 8 | r->family };

	return k;
}

struct row_key model_row_key(const struct snapshot *s, enum row_kind k, uint32_t row)
{
	struct row_key key = { 0, 0 };

	switch (k) {
	case ROW_PROC:
		key.a = (uint64_t)s->procs.v[row].pid;
		key.b = s->procs.v[row].start;
		break;
	case ROW_LISTENER:
		key = sock_key(&s->socks.v[s->listeners[row].sock]);
		break;
	case ROW_PORT:
		key.a = (uint64_t)s->ports[row].dir << 24 | (uint64_t)s->ports[row].proto << 16 |
			s->ports[row].port;
		key.b = s->netns[s->ports[row].netns].ino;
		break;
	case ROW_SERVICE: {
		size_t len;
		const char *name = service_name(s, row, &len);

		/* A service is its kind and name; a hash of them is unique enough for a key. */
		key.a = (uint64_t)s->services[row].kind << 32 | len;
		key.b = hash_bytes(name, len);
		break;
	}
	default:
		key = sock_key(&s->socks.v[row]);
		break;
	}
	return key;
}

int row_key_eq(struct row_key x, struct row_key y)
{
	return x.a == y.a && x.b == y.b;
}

uint32_t model_row_find(const struct snapshot *s, enum row_kind k, struct row_key key)
{
	size_t i, n;

	switch (k) {
	case ROW_PROC:
		n = s->procs.n;
		break;
	case ROW_LISTENER:
		n = s->nlisteners;
		break;
	case ROW_PORT:
		n = s->nports;
		break;
	case ROW_SERVICE:
		n = s->nservices;
		break;
	default:
		n = s->socks.n;
		break;
	}
	for (i = 0; i < n; i++) {
		if (row_key_eq(model_row_key(s, k, (uint32_t)i), key))
			return (uint32_t)i;
	}
	return NONE;
}

void listener_id(struct strbuf *sb, const struct snapshot *s, uint32_t lsock)
{
	const struct sock_rec *r = &s->socks.v[lsock];

	/* A cookie names one socket for its lifetime: two listeners on one port differ. */
	sb_printf(sb, "%s:%llu", sock_proto_name(r->proto), (unsigned long long)r->cookie);
}

const char *sock_unix_name(const struct snapshot *s, const struct sock_rec *r, size_t *len,
			   int *abstract)
{
	const char *name = strpool_get(&s->socks.names, r->name, len);

	/* An abstract name starts with a NUL byte; a path never does. */
	*abstract = *len > 0 && name[0] == '\0';
	if (*abstract) {
		name++;
		(*len)--;
	}
	return name;
}

void row_list_fini(struct row_list *rl)
{
	free(rl->v);
	memset(rl, 0, sizeof *rl);
}

static void row_add(struct row_list *rl, uint32_t row)
{
	if (rl->n == rl->cap)
		rl->v = xgrow(rl->v, &rl->cap, rl->n + 1, sizeof *rl->v);
	rl->v[rl->n++] = row;
}

void model_rows(const struct snapshot *s, const struct filter *f, enum row_kind k,
		struct row_list *rl)
{
	size_t i;

	rl->n = 0;
	switch (k) {
	case ROW_PROC:
		for (i = 0; i < s->procs.n; i++) {
			if (s->pstats[i].shown)
				row_add(rl, (uint32_t)i);
		}
		break;
	case ROW_LISTENER:
		for (i = 0; i < s->nlisteners; i++)
			row_add(rl, (uint32_t)i);
		break;
	case ROW_PORT:
		for (i = 0; i < s->nports; i++)
			row_add(rl, (uint32_t)i);
		break;
	case ROW_SERVICE:
		for (i = 0; i < s->nservices; i++) {
			/* Under an expression, a service none of whose processes matched. */
			if (s->services[i].procs > 0 || s->expr == NULL)
				row_add(rl, (uint32_t)i);
		}
		break;
	default:
		for (i = 0; i < s->socks.n; i++) {
			if (snapshot_sock_shown(s, f, (uint32_t)i))
				row_add(rl, (uint32_t)i);
		}
		break;
	}
}
