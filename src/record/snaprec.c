/*
 * snaprec.c: a snapshot to and from a record's payload (record.h has the
 * layout). Each section is a table of one struct's fields; the same tables
 * encode, decode and check the indices a record carries.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/record.h"
#include "sockwatch/service.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "recordings are written in the host's byte order, which must be little-endian"
#endif

/* What a field's value indexes: a value below the target's count (or NONE when allowed). */
enum ref {
	R_VALUE,
	R_SOCK,
	R_LINK,
	R_PROC,
	R_LSOCK,
	R_LISTENER,
	R_PORT,
	R_NETNS,
	R_SERVICE,
	R_TCPI,
	R_STR_NAMES, /* an offset in socks.names */
	R_STR_PROC,  /* in procs.strs */
	R_STR_SNAP,  /* in strs */
};

enum {
	F_SIGNED = 1,  /* widened with its sign */
	F_NONE = 2,    /* may be NONE (all bits set) */
	F_DOWN = 4,    /* a chain: the next is an earlier element (so chains end) */
	F_UP = 8,      /* a chain: the next is a later element */
	F_OWNERS = 16, /* may be REL_OWNERS */
	F_REAL = 32,   /* a float or a double: finite */
	F_COUNT = 64,  /* a signed count: -1 (unknown), 0 to 2^40, or INT64_MAX (unlimited) */
};

#define COUNT_MAX ((int64_t)1 << 40) /* fds, limits, counters: far above any real one */

struct field {
	uint16_t off; /* in the struct */
	uint8_t w;    /* bytes of one element in memory */
	uint8_t fw;   /* in the file */
	uint8_t n;    /* elements: an array of n */
	uint8_t ref;  /* enum ref */
	uint8_t flags;
	uint16_t lim; /* 0, or the value must be below it */
};

#define MW(T, m) ((uint8_t)sizeof(((T *)0)->m))
#define NE(T, m) ((uint8_t)(sizeof(((T *)0)->m) / sizeof(((T *)0)->m[0])))
/* A field of struct T, of the same width in memory and in the file. */
#define FIELD(T, m, ref, flags, lim)                                                               \
	{                                                                                          \
		offsetof(T, m), MW(T, m), MW(T, m), 1, ref, flags, lim                             \
	}
#define FV(T, m)	     FIELD(T, m, R_VALUE, 0, 0)			 /* a value */
#define FS(T, m)	     FIELD(T, m, R_VALUE, F_SIGNED, 0)		 /* signed */
#define FD(T, m)	     FIELD(T, m, R_VALUE, F_REAL, 0)		 /* a float or double */
#define FC(T, m)	     FIELD(T, m, R_VALUE, F_SIGNED | F_COUNT, 0) /* a count */
#define FL(T, m, lim)	     FIELD(T, m, R_VALUE, 0, lim)		 /* below lim */
#define FR(T, m, ref, flags) FIELD(T, m, ref, flags, 0)			 /* an index */
/* An array: each element as a field. */
#define FA(T, m)                                                                                   \
	{                                                                                          \
		offsetof(T, m), MW(T, m[0]), MW(T, m[0]), NE(T, m), R_VALUE, 0, 0                  \
	}
#define FASIGNED(T, m)                                                                             \
	{                                                                                          \
		offsetof(T, m), MW(T, m[0]), MW(T, m[0]), NE(T, m), R_VALUE, F_SIGNED, 0           \
	}

/* The record's scalars: the snapshot's own, its totals, counters and statuses. */
struct rec_head {
	int64_t tv_sec, tv_nsec;
	double refresh_s;
	uint64_t refreshes;
	uint32_t now_ds, first_ds;
	uint8_t procs_scanned, tcp_info, flags;
	double interval;
	double traffic_dt;
	uint32_t tcp_closed;
	int err[DD_COUNT];
	struct proc_sys sys;
	struct totals totals;
	uint64_t denied, starved;
	int starved_err;
	int64_t file_nr, file_max;
};

#define TRAFFIC_FIELDS(T, m)                                                                       \
	FV(T, m.rx), FV(T, m.tx), FV(T, m.retr), FV(T, m.rated), FV(T, m.rtt_n), FV(T, m.rtt_med), \
		FV(T, m.rtt_max), FV(T, m.rtt_min)

static const struct field head_f[] = {
	FC(struct rec_head, tv_sec),
	FS(struct rec_head, tv_nsec),
	FD(struct rec_head, refresh_s),
	FV(struct rec_head, refreshes),
	FV(struct rec_head, now_ds),
	FV(struct rec_head, first_ds),
	FV(struct rec_head, procs_scanned),
	FV(struct rec_head, tcp_info),
	FV(struct rec_head, flags),
	FD(struct rec_head, interval),
	FD(struct rec_head, traffic_dt),
	FV(struct rec_head, tcp_closed),
	FASIGNED(struct rec_head, err),
	FC(struct rec_head, sys.max_orphans),
	FC(struct rec_head, sys.port_lo),
	FC(struct rec_head, sys.port_hi),
	FC(struct rec_head, sys.listen_overflows),
	FC(struct rec_head, sys.listen_drops),
	FV(struct rec_head, totals.sockets),
	FA(struct rec_head, totals.proto),
	FA(struct rec_head, totals.tcp_states),
	FC(struct rec_head, totals.fds_alloc),
	FC(struct rec_head, totals.fds_max),
	FV(struct rec_head, totals.orphans),
	FV(struct rec_head, totals.tw_peer_max),
	FR(struct rec_head, totals.tw_peer_sock, R_SOCK, F_NONE),
	FC(struct rec_head, totals.overflows_window),
	FC(struct rec_head, totals.drops_window),
	TRAFFIC_FIELDS(struct rec_head, totals.traffic),
	FV(struct rec_head, denied),
	FV(struct rec_head, starved),
	FS(struct rec_head, starved_err),
	FC(struct rec_head, file_nr),
	FC(struct rec_head, file_max),
};

/*
 * A socket as a record holds it: the record layout of version 1, where the
 * two addresses are 16 bytes each (in memory an IPv6 one is an index in its
 * table's a6, which the record does not carry).
 */
struct sock_wire {
	uint64_t cookie;
	uint32_t inode, uid, rqueue, wqueue, expires, last_ack;
	uint32_t peer; /* UNIX: the peer's inode; TCP: last_data */
	uint32_t name, owner, seen, tcpi;
	uint16_t sport, dport, netns;
	uint8_t family, proto, state, timer, match, dup;
	uint8_t saddr[16], daddr[16];
};

#define SOCK_FIELDS(T, a, b)                                                                       \
	FV(T, cookie), FV(T, inode), FV(T, uid), FV(T, rqueue), FV(T, wqueue), FV(T, expires),     \
		FV(T, last_ack), FV(T, peer), FR(T, name, R_STR_NAMES, 0),                         \
		FR(T, owner, R_LINK, F_NONE), FV(T, seen), FR(T, tcpi, R_TCPI, F_NONE),            \
		FV(T, sport), FV(T, dport), FR(T, netns, R_NETNS, 0), FV(T, family),               \
		FL(T, proto, SP_COUNT), FV(T, state), FV(T, timer), FL(T, match, 2),               \
		FL(T, dup, 2), a, b

/* In the file. */
static const struct field sock_wire_f[] = {
	SOCK_FIELDS(struct sock_wire, FA(struct sock_wire, saddr), FA(struct sock_wire, daddr)),
};

/* The same fields in memory, in the same order: what a decoded record's are checked by. */
static const struct field sock_f[] = {
	SOCK_FIELDS(struct sock_rec, FV(struct sock_rec, sa), FV(struct sock_rec, da)),
};

static const struct field tcpi_f[] = {
	FV(struct sock_tcpi, bytes_acked),
	FV(struct sock_tcpi, bytes_received),
	FV(struct sock_tcpi, delivery_rate),
	FV(struct sock_tcpi, total_retrans),
	FV(struct sock_tcpi, rtt_us),
	FV(struct sock_tcpi, rttvar_us),
	FV(struct sock_tcpi, lost),
	FD(struct sock_tcpi, rx),
	FD(struct sock_tcpi, tx),
	FD(struct sock_tcpi, retr),
	FV(struct sock_tcpi, have),
};

static const struct field rel_f[] = {
	FR(struct sock_rel, listener, R_LSOCK, F_NONE),
	FR(struct sock_rel, port, R_PORT, F_NONE),
	FR(struct sock_rel, proc, R_PROC, F_NONE | F_OWNERS),
};

static const struct field link_f[] = {
	FR(struct owner_link, proc, R_PROC, 0),
	FR(struct owner_link, next, R_LINK, F_NONE | F_DOWN),
	FL(struct owner_link, counted, 2),
};

static const struct field proc_f[] = {
	FS(struct proc_rec, pid),
	FV(struct proc_rec, start),
	FS(struct proc_rec, ppid),
	FV(struct proc_rec, state),
	FC(struct proc_rec, uid),
	FA(struct proc_rec, comm),
	FR(struct proc_rec, cmdline, R_STR_PROC, 0),
	FR(struct proc_rec, user, R_STR_PROC, 0),
	FC(struct proc_rec, fds),
	FC(struct proc_rec, fd_limit),
	FL(struct proc_rec, fd_readable, 2),
	FV(struct proc_rec, ino_n),
	FV(struct proc_rec, netns),
	FR(struct proc_rec, cgroup, R_STR_PROC, 0),
};

static const struct field pstat_f[] = {
	FV(struct proc_stats, tcp),
	FV(struct proc_stats, udp),
	FV(struct proc_stats, unix_),
	FV(struct proc_stats, other),
	FV(struct proc_stats, dead),
	FV(struct proc_stats, unbound),
	FA(struct proc_stats, states),
	FR(struct proc_stats, netns, R_NETNS, 0),
	FR(struct proc_stats, service, R_SERVICE, F_NONE),
	FR(struct proc_stats, svc_next, R_PROC, F_NONE | F_UP),
	FL(struct proc_stats, shown, 2),
	TRAFFIC_FIELDS(struct proc_stats, traffic),
};

static const struct field lsock_f[] = {
	FR(struct listen_sock, sock, R_SOCK, 0),
	FR(struct listen_sock, row, R_LISTENER, F_NONE),
	FR(struct listen_sock, next, R_LSOCK, F_NONE | F_UP),
	FV(struct listen_sock, conns),
};

static const struct field listener_f[] = {
	FR(struct listener, sock, R_SOCK, 0),
	FV(struct listener, connections),
	FR(struct listener, group, R_LISTENER, 0),
	TRAFFIC_FIELDS(struct listener, traffic),
};

static const struct field port_f[] = {
	FR(struct port_row, netns, R_NETNS, 0),
	FV(struct port_row, port),
	FL(struct port_row, proto, SP_COUNT),
	FL(struct port_row, dir, 2),
	FV(struct port_row, total),
	FA(struct port_row, states),
	FV(struct port_row, peers),
	FV(struct port_row, pid_off),
	FV(struct port_row, pid_n),
	TRAFFIC_FIELDS(struct port_row, traffic),
};

static const struct field pid_f[] = { { 0, 4, 4, 1, R_VALUE, 0, 0 } };

static const struct field unlisted_f[] = {
	FV(struct unlisted_sock, inode),
	FR(struct unlisted_sock, proc, R_PROC, 0),
	FV(struct unlisted_sock, proto),
	FL(struct unlisted_sock, kind, UL_UNBOUND + 1),
};

static const struct field leak_f[] = {
	FL(struct leak_verdict, level, LEAK_CRITICAL + 1),
	FL(struct leak_verdict, reasons, 1u << LR_COUNT),
	FL(struct leak_verdict, has_growth, 2),
	FL(struct leak_verdict, has_eta, 2),
	FD(struct leak_verdict, growth_per_min),
	FD(struct leak_verdict, eta_seconds),
	FV(struct leak_verdict, cw_old),
	FV(struct leak_verdict, dead_old),
	FV(struct leak_verdict, queue_full),
};

static const struct field netns_f[] = {
	FV(struct netns_row, ino),	FR(struct netns_row, name, R_STR_SNAP, 0),
	FL(struct netns_row, named, 2), FL(struct netns_row, dumped, 2),
	FV(struct netns_row, procs),	FR(struct netns_row, first, R_PROC, F_NONE),
	FV(struct netns_row, sockets),
};

static const struct field service_f[] = {
	FL(struct service_row, kind, SVC_KIND_COUNT),
	FR(struct service_row, name, R_STR_SNAP, 0),
	FR(struct service_row, cgroup, R_STR_PROC, 0),
	FV(struct service_row, procs),
	FV(struct service_row, known),
	FR(struct service_row, first, R_PROC, F_NONE),
	FV(struct service_row, sockets),
	FV(struct service_row, tcp),
	FV(struct service_row, udp),
	FV(struct service_row, unix_),
	FV(struct service_row, other),
	FV(struct service_row, dead),
	FC(struct service_row, fds),
	FA(struct service_row, states),
	TRAFFIC_FIELDS(struct service_row, traffic),
};

/* Section ids: stable, part of the format. */
enum sect_id {
	S_HEAD = 1,
	S_SOCK,
	S_TCPI,
	S_NAMES,
	S_REL,
	S_LINK,
	S_PROC,
	S_PSTRS,
	S_PSTAT,
	S_LSOCK,
	S_LISTENER,
	S_PORT,
	S_PIDS,
	S_UNLISTED,
	S_LEAK,
	S_SVCLEAK,
	S_NETNS,
	S_SERVICE,
	S_STRS,
	S_COUNT
};

#define SO(m) offsetof(struct snapshot, m)

/* A table of the snapshot: its array, count and capacity, and whose count it shares. */
struct table {
	uint8_t id;
	uint8_t parallel; /* the section whose count this one has, 0: its own */
	uint8_t optional; /* may be absent (its array is then NULL): the leak verdicts */
	const struct field *f;
	size_t nf;
	size_t msize;
	size_t off_v, off_n, off_cap;
};

#define TABLE(id, par, opt, f, T, v, n, cap)                                                       \
	{                                                                                          \
		id, par, opt, f, sizeof f / sizeof f[0], sizeof(T), SO(v), SO(n), SO(cap)          \
	}

/* In the order they are decoded: a parallel table after the one it follows. */
static const struct table tables[] = {
	TABLE(S_SOCK, 0, 0, sock_f, struct sock_rec, socks.v, socks.n, socks.cap),
	TABLE(S_TCPI, 0, 0, tcpi_f, struct sock_tcpi, socks.ti, socks.nti, socks.ticap),
	TABLE(S_REL, S_SOCK, 0, rel_f, struct sock_rel, rel, socks.n, relcap),
	TABLE(S_LINK, 0, 0, link_f, struct owner_link, links, nlinks, linkcap),
	TABLE(S_PROC, 0, 0, proc_f, struct proc_rec, procs.v, procs.n, procs.cap),
	TABLE(S_PSTAT, S_PROC, 0, pstat_f, struct proc_stats, pstats, procs.n, pstatcap),
	TABLE(S_LSOCK, 0, 0, lsock_f, struct listen_sock, lsocks, nlsocks, lsockcap),
	TABLE(S_LISTENER, 0, 0, listener_f, struct listener, listeners, nlisteners, listenercap),
	TABLE(S_PORT, 0, 0, port_f, struct port_row, ports, nports, portcap),
	TABLE(S_PIDS, 0, 0, pid_f, uint32_t, pids, npids, pidcap),
	TABLE(S_UNLISTED, 0, 0, unlisted_f, struct unlisted_sock, unlisted, nunlisted, unlistedcap),
	TABLE(S_NETNS, 0, 0, netns_f, struct netns_row, netns, nnetns, netnscap),
	TABLE(S_SERVICE, 0, 0, service_f, struct service_row, services, nservices, servicecap),
	TABLE(S_LEAK, S_PROC, 1, leak_f, struct leak_verdict, leak, procs.n, leakcap),
	TABLE(S_SVCLEAK, S_SERVICE, 1, leak_f, struct leak_verdict, svc_leak, nservices,
	      svcleakcap),
};

static const struct {
	uint8_t id;
	size_t off; /* of the struct strpool in the snapshot */
} pools[] = {
	{ S_NAMES, SO(socks.names) },
	{ S_PSTRS, SO(procs.strs) },
	{ S_STRS, SO(strs) },
};

static size_t field_bytes(const struct field *f, size_t nf)
{
	size_t i, b = 0;

	for (i = 0; i < nf; i++)
		b += (size_t)f[i].fw * f[i].n;
	return b;
}

static uint64_t get_int(const unsigned char *p, unsigned w)
{
	uint64_t v = 0;

	memcpy(&v, p, w);
	return v;
}

/* Sign-extend a w-byte value. */
static uint64_t widen(uint64_t v, unsigned w, unsigned flags)
{
	if ((flags & F_SIGNED) && w < 8 && (v >> (w * 8 - 1)) & 1)
		v |= ~(uint64_t)0 << (w * 8);
	return v;
}

static void put_elems(struct strbuf *out, const struct field *f, size_t nf, const void *base,
		      size_t msize, size_t n)
{
	size_t e, i, k, eb = field_bytes(f, nf);
	unsigned char *p;

	sb_reserve(out, eb * n);
	p = (unsigned char *)out->buf + out->len;
	for (e = 0; e < n; e++) {
		const unsigned char *m = (const unsigned char *)base + e * msize;

		for (i = 0; i < nf; i++) {
			for (k = 0; k < f[i].n; k++) {
				uint64_t v = widen(get_int(m + f[i].off + k * f[i].w, f[i].w),
						   f[i].w, f[i].flags);

				memcpy(p, &v, f[i].fw);
				p += f[i].fw;
			}
		}
	}
	out->len += eb * n;
	out->buf[out->len] = '\0';
}

static void put_sect_header(struct strbuf *out, unsigned id, size_t esize, size_t n)
{
	unsigned char h[8];
	uint16_t id16 = (uint16_t)id, es = (uint16_t)esize;
	uint32_t n32 = (uint32_t)n;

	memcpy(h, &id16, 2);
	memcpy(h + 2, &es, 2);
	memcpy(h + 4, &n32, 4);
	sb_append(out, h, sizeof h);
}

static void put_table(struct strbuf *out, unsigned id, const struct field *f, size_t nf,
		      const void *base, size_t msize, size_t n)
{
	put_sect_header(out, id, field_bytes(f, nf), n);
	put_elems(out, f, nf, base, msize, n);
}

static const struct table *table_of(unsigned id)
{
	size_t i;

	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		if (tables[i].id == id)
			return &tables[i];
	}
	return NULL;
}

#define NSOCK_WIRE_F (sizeof sock_wire_f / sizeof sock_wire_f[0])
#define WIRE_CHUNK   1024 /* sockets converted at a time */

/* The fields a socket record and its file layout share, copied from src to dst. */
#define SOCK_COPY(dst, src)                                                                        \
	do {                                                                                       \
		(dst)->cookie = (src)->cookie;                                                     \
		(dst)->inode = (src)->inode;                                                       \
		(dst)->uid = (src)->uid;                                                           \
		(dst)->rqueue = (src)->rqueue;                                                     \
		(dst)->wqueue = (src)->wqueue;                                                     \
		(dst)->expires = (src)->expires;                                                   \
		(dst)->last_ack = (src)->last_ack;                                                 \
		(dst)->peer = (src)->peer;                                                         \
		(dst)->name = (src)->name;                                                         \
		(dst)->owner = (src)->owner;                                                       \
		(dst)->seen = (src)->seen;                                                         \
		(dst)->tcpi = (src)->tcpi;                                                         \
		(dst)->sport = (src)->sport;                                                       \
		(dst)->dport = (src)->dport;                                                       \
		(dst)->netns = (src)->netns;                                                       \
		(dst)->family = (src)->family;                                                     \
		(dst)->proto = (src)->proto;                                                       \
		(dst)->state = (src)->state;                                                       \
		(dst)->timer = (src)->timer;                                                       \
		(dst)->match = (src)->match;                                                       \
		(dst)->dup = (src)->dup;                                                           \
	} while (0)

static void wire_from(struct sock_wire *w, const struct sock_table *t, const struct sock_rec *r)
{
	uint8_t buf[16];

	memset(w, 0, sizeof *w);
	SOCK_COPY(w, r);
	memcpy(w->saddr, sock_addr(t, r, 0, buf), 16);
	memcpy(w->daddr, sock_addr(t, r, 1, buf), 16);
}

static void wire_to(struct sock_rec *r, struct sock_table *t, const struct sock_wire *w)
{
	memset(r, 0, sizeof *r);
	SOCK_COPY(r, w);
	sock_set_addr(t, r, 0, w->saddr); /* an IPv6 address interned in t */
	sock_set_addr(t, r, 1, w->daddr);
}

/* The socket section: n records of v, whose IPv6 addresses t holds, in the file's layout. */
static void put_socks(struct strbuf *out, const struct sock_table *t, const struct sock_rec *v,
		      size_t n)
{
	struct sock_wire *w = xmalloc(WIRE_CHUNK * sizeof *w);
	size_t i, j, k;

	put_sect_header(out, S_SOCK, field_bytes(sock_wire_f, NSOCK_WIRE_F), n);
	for (i = 0; i < n; i += k) {
		k = n - i < WIRE_CHUNK ? n - i : WIRE_CHUNK;
		for (j = 0; j < k; j++)
			wire_from(&w[j], t, &v[i + j]);
		put_elems(out, sock_wire_f, NSOCK_WIRE_F, w, sizeof *w, k);
	}
	free(w);
}

static void put_snapshot_table(struct strbuf *out, unsigned id, const void *base, size_t n)
{
	const struct table *t = table_of(id);

	if (base == NULL && n > 0)
		return;
	put_table(out, id, t->f, t->nf, base, t->msize, n);
}

static void *snap_arr(const struct snapshot *s, const struct table *t)
{
	return *(void *const *)((const char *)s + t->off_v);
}

static size_t snap_n(const struct snapshot *s, const struct table *t)
{
	return *(const size_t *)((const char *)s + t->off_n);
}

/*
 * The sockets a record without every socket keeps: those the other rows name
 * (listeners, the busiest TIME_WAIT peer), with copies of the rows that name
 * them, renumbered, and of their owner links.
 */
struct sock_subset {
	struct sock_rec *socks;
	struct sock_rel *rel;
	struct owner_link *links;
	struct listen_sock *lsocks;
	struct listener *listeners;
	struct strpool names;
	size_t n, nlinks;
	uint32_t tw_peer_sock;
};

static uint32_t subset_add(struct sock_subset *sub, const struct snapshot *s, uint32_t sock,
			   uint32_t *map)
{
	struct sock_rec *r;
	uint32_t l, first = NONE, chain[64];
	size_t nc = 0;

	if (sock == NONE)
		return NONE;
	if (map[sock] != NONE)
		return map[sock];
	map[sock] = (uint32_t)sub->n;
	r = &sub->socks[sub->n];
	*r = s->socks.v[sock];
	sub->rel[sub->n] = s->rel[sock];
	r->tcpi = SOCK_NO_TCPI;
	if (r->name != 0) {
		size_t len;
		const char *name = strpool_get(&s->socks.names, r->name, &len);

		r->name = strpool_add(&sub->names, name, len);
	}
	for (l = r->owner; l != NONE && nc < sizeof chain / sizeof chain[0]; l = s->links[l].next)
		chain[nc++] = l;
	/* Copied last first, so that each link's next is an earlier one (as the join lays them). */
	while (nc-- > 0) {
		struct owner_link *nl = &sub->links[sub->nlinks];

		*nl = s->links[chain[nc]];
		nl->next = first;
		first = (uint32_t)sub->nlinks++;
	}
	r->owner = first;
	return (uint32_t)sub->n++;
}

static void subset_build(struct sock_subset *sub, const struct snapshot *s)
{
	uint32_t *map = xmalloc((s->socks.n + 1) * sizeof *map);
	size_t i, room = s->nlsocks + s->nlisteners + 1; /* a crafted record's rows may differ */

	memset(map, 0xff, (s->socks.n + 1) * sizeof *map);
	memset(sub, 0, sizeof *sub);
	strpool_init(&sub->names);
	sub->socks = xmalloc(room * sizeof *sub->socks);
	sub->rel = xmalloc(room * sizeof *sub->rel);
	sub->links = xmalloc(room * 64 * sizeof *sub->links);
	sub->lsocks = xmalloc(room * sizeof *sub->lsocks);
	sub->listeners = xmalloc(room * sizeof *sub->listeners);
	for (i = 0; i < s->nlsocks; i++) {
		sub->lsocks[i] = s->lsocks[i];
		sub->lsocks[i].sock = subset_add(sub, s, s->lsocks[i].sock, map);
	}
	for (i = 0; i < s->nlisteners; i++) {
		sub->listeners[i] = s->listeners[i];
		sub->listeners[i].sock = subset_add(sub, s, s->listeners[i].sock, map);
	}
	sub->tw_peer_sock = subset_add(sub, s, s->totals.tw_peer_sock, map);
	free(map);
}

static void subset_free(struct sock_subset *sub)
{
	free(sub->socks);
	free(sub->rel);
	free(sub->links);
	free(sub->lsocks);
	free(sub->listeners);
	strpool_fini(&sub->names);
}

static void head_from(struct rec_head *h, const struct snapshot *s, const struct record_info *info)
{
	memset(h, 0, sizeof *h);
	h->tv_sec = s->time.tv_sec;
	h->tv_nsec = s->time.tv_nsec;
	h->refresh_s = s->refresh_s;
	h->refreshes = s->refreshes;
	h->now_ds = s->now_ds;
	h->first_ds = s->first_ds;
	h->procs_scanned = s->procs_scanned;
	h->tcp_info = s->tcp_info;
	h->flags = (uint8_t)info->flags;
	h->interval = info->interval;
	h->traffic_dt = s->traffic_dt;
	h->tcp_closed = s->tcp_closed;
	memcpy(h->err, s->diag.err, sizeof h->err);
	h->sys = s->sys;
	h->totals = s->totals;
	h->denied = s->procs.denied;
	h->starved = s->procs.starved;
	h->starved_err = s->procs.starved_err;
	h->file_nr = s->procs.file_nr;
	h->file_max = s->procs.file_max;
}

static void head_to(struct snapshot *s, const struct rec_head *h)
{
	s->time.tv_sec = (time_t)h->tv_sec;
	s->time.tv_nsec = (long)h->tv_nsec;
	s->refresh_s = h->refresh_s;
	s->refreshes = h->refreshes;
	s->now_ds = h->now_ds;
	s->first_ds = h->first_ds;
	s->procs_scanned = h->procs_scanned;
	s->tcp_info = h->tcp_info;
	s->traffic_dt = h->traffic_dt;
	s->tcp_closed = h->tcp_closed;
	memcpy(s->diag.err, h->err, sizeof h->err);
	s->sys = h->sys;
	s->totals = h->totals;
	s->procs.denied = (size_t)h->denied;
	s->procs.starved = (size_t)h->starved;
	s->procs.starved_err = h->starved_err;
	s->procs.file_nr = h->file_nr;
	s->procs.file_max = h->file_max;
}

void record_encode(const struct snapshot *s, const struct record_info *info, struct strbuf *out)
{
	unsigned flags = info->flags;
	struct rec_head h;
	struct sock_subset sub;
	size_t i;

	head_from(&h, s, info);
	if (!(flags & REC_F_SOCKETS)) {
		subset_build(&sub, s);
		h.totals.tw_peer_sock = sub.tw_peer_sock;
	}
	put_table(out, S_HEAD, head_f, sizeof head_f / sizeof head_f[0], &h, sizeof h, 1);
	for (i = 0; i < sizeof pools / sizeof pools[0]; i++) {
		const struct strpool *p = (const struct strpool *)((const char *)s + pools[i].off);

		if (pools[i].id == S_NAMES && !(flags & REC_F_SOCKETS))
			p = &sub.names; /* the kept sockets' UNIX paths */
		put_sect_header(out, pools[i].id, 1, p->len);
		sb_append(out, p->buf, p->len);
	}
	if (flags & REC_F_SOCKETS) {
		put_socks(out, &s->socks, s->socks.v, s->socks.n);
		put_snapshot_table(out, S_TCPI, s->socks.ti, s->socks.nti);
		put_snapshot_table(out, S_REL, s->rel, s->socks.n);
		put_snapshot_table(out, S_LINK, s->links, s->nlinks);
		put_snapshot_table(out, S_LSOCK, s->lsocks, s->nlsocks);
		put_snapshot_table(out, S_LISTENER, s->listeners, s->nlisteners);
	} else {
		put_socks(out, &s->socks, sub.socks, sub.n);
		put_snapshot_table(out, S_REL, sub.rel, sub.n);
		put_snapshot_table(out, S_LINK, sub.links, sub.nlinks);
		put_snapshot_table(out, S_LSOCK, sub.lsocks, s->nlsocks);
		put_snapshot_table(out, S_LISTENER, sub.listeners, s->nlisteners);
		subset_free(&sub);
	}
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		const struct table *t = &tables[i];

		switch (t->id) {
		case S_SOCK:
		case S_TCPI:
		case S_REL:
		case S_LINK:
		case S_LSOCK:
		case S_LISTENER:
			break;
		default:
			put_snapshot_table(out, t->id, snap_arr(s, t), snap_n(s, t));
			break;
		}
	}
}

struct sect {
	const unsigned char *data;
	size_t esize, n;
	int present;
};

static void get_elems(void *base, size_t msize, const struct field *f, size_t nf,
		      const struct sect *sec)
{
	size_t e, i, k;

	for (e = 0; e < sec->n; e++) {
		const unsigned char *p = sec->data + e * sec->esize;
		unsigned char *m = (unsigned char *)base + e * msize;

		for (i = 0; i < nf; i++) {
			for (k = 0; k < f[i].n; k++) {
				uint64_t v = widen(get_int(p, f[i].fw), f[i].fw, f[i].flags);

				memcpy(m + f[i].off + k * f[i].w, &v, f[i].w);
				p += f[i].fw;
			}
		}
	}
}

static int str_ok(const struct strpool *p, uint64_t off)
{
	uint32_t l;

	if (off == 0)
		return 1;
	if (off < sizeof l || off >= p->len)
		return 0;
	memcpy(&l, p->buf + off - sizeof l, sizeof l);
	return l < p->len - off && p->buf[off + l] == '\0';
}

static int real_ok(const unsigned char *p, unsigned w)
{
	double d;
	float x;

	if (w == sizeof d) {
		memcpy(&d, p, sizeof d);
		return isfinite(d);
	}
	memcpy(&x, p, sizeof x);
	return isfinite(x);
}

/* A count of width w (sign-extended into v): what live data can hold. */
static int count_ok(uint64_t v, unsigned w)
{
	int64_t c = (int64_t)v;

	return c >= -1 && (c <= COUNT_MAX || (w == 8 && c == INT64_MAX));
}

static size_t ref_count(const struct snapshot *s, unsigned ref)
{
	switch (ref) {
	case R_SOCK:
		return s->socks.n;
	case R_LINK:
		return s->nlinks;
	case R_PROC:
		return s->procs.n;
	case R_LSOCK:
		return s->nlsocks;
	case R_LISTENER:
		return s->nlisteners;
	case R_PORT:
		return s->nports;
	case R_NETNS:
		return s->nnetns;
	case R_SERVICE:
		return s->nservices;
	case R_TCPI:
		return s->socks.nti;
	default:
		return 0;
	}
}

/* Every field of every element of a table within its bounds: 0, or -1 with *cause. */
static int check_elems(const struct snapshot *s, const void *base, size_t msize, size_t n,
		       const struct field *f, size_t nf, const char *what, char **cause)
{
	size_t e, i;

	for (e = 0; e < n; e++) {
		const unsigned char *m = (const unsigned char *)base + e * msize;

		for (i = 0; i < nf; i++) {
			uint64_t v = get_int(m + f[i].off, f[i].w);
			uint64_t all =
				f[i].w == 8 ? UINT64_MAX : (((uint64_t)1 << (f[i].w * 8)) - 1);
			int ok = 1;

			if (f[i].n != 1)
				continue;
			if (f[i].flags & F_REAL)
				ok = real_ok(m + f[i].off, f[i].w);
			else if (f[i].flags & F_COUNT)
				ok = count_ok(widen(v, f[i].w, F_SIGNED), f[i].w);
			else if (f[i].lim != 0)
				ok = v < f[i].lim;
			else if (f[i].ref == R_STR_NAMES)
				ok = str_ok(&s->socks.names, v);
			else if (f[i].ref == R_STR_PROC)
				ok = str_ok(&s->procs.strs, v);
			else if (f[i].ref == R_STR_SNAP)
				ok = str_ok(&s->strs, v);
			else if (f[i].ref != R_VALUE) {
				if (v == all && (f[i].flags & F_NONE))
					ok = 1;
				else if (v == REL_OWNERS && (f[i].flags & F_OWNERS))
					ok = 1;
				else
					ok = v < ref_count(s, f[i].ref) &&
					     (!(f[i].flags & F_DOWN) || v < e) &&
					     (!(f[i].flags & F_UP) || v > e);
			}
			if (!ok) {
				*cause = xprintf("%s %zu: field %zu out of range (%llu)", what, e,
						 i + 1, (unsigned long long)v);
				return -1;
			}
		}
	}
	return 0;
}

static const char *const sect_names[S_COUNT] = {
	[S_HEAD] = "head",	    [S_SOCK] = "socket",
	[S_TCPI] = "tcp_info",	    [S_NAMES] = "socket names",
	[S_REL] = "relation",	    [S_LINK] = "owner link",
	[S_PROC] = "process",	    [S_PSTRS] = "process strings",
	[S_PSTAT] = "process sums", [S_LSOCK] = "listen socket",
	[S_LISTENER] = "listener",  [S_PORT] = "port",
	[S_PIDS] = "port pids",	    [S_UNLISTED] = "unlisted socket",
	[S_LEAK] = "verdict",	    [S_SVCLEAK] = "service verdict",
	[S_NETNS] = "namespace",    [S_SERVICE] = "service",
	[S_STRS] = "names",
};

static int get_pool(struct strpool *p, const struct sect *sec, const char *what, char **cause)
{
	strpool_reset(p);
	if (!sec->present)
		return 0;
	if (sec->esize != 1 || sec->n < p->len || memcmp(sec->data, p->buf, p->len) != 0) {
		*cause = xprintf("%s: not a string pool", what);
		return -1;
	}
	p->buf = xgrow(p->buf, &p->cap, sec->n + 1, 1);
	memcpy(p->buf, sec->data, sec->n);
	p->len = sec->n;
	return 0;
}

static int get_socks(struct snapshot *s, const struct sect *sec, char **cause)
{
	size_t n = sec->present ? sec->n : 0, i, j, k;
	struct sock_wire *w;

	if (sec->present && sec->esize < field_bytes(sock_wire_f, NSOCK_WIRE_F)) {
		*cause = xprintf("%s: elements of %zu bytes, fewer than %zu", sect_names[S_SOCK],
				 sec->esize, field_bytes(sock_wire_f, NSOCK_WIRE_F));
		return -1;
	}
	s->socks.v = xgrow(s->socks.v, &s->socks.cap, n ? n : 1, sizeof *s->socks.v);
	w = xmalloc(WIRE_CHUNK * sizeof *w);
	for (i = 0; i < n; i += k) {
		struct sect part;

		k = n - i < WIRE_CHUNK ? n - i : WIRE_CHUNK;
		part = (struct sect){ sec->data + i * sec->esize, sec->esize, k, 1 };
		memset(w, 0, k * sizeof *w);
		get_elems(w, sizeof *w, sock_wire_f, NSOCK_WIRE_F, &part);
		for (j = 0; j < k; j++)
			wire_to(&s->socks.v[i + j], &s->socks, &w[j]);
	}
	free(w);
	s->socks.n = n;
	return 0;
}

static int get_table(struct snapshot *s, const struct table *t, const struct sect *sec,
		     char **cause)
{
	void **arr = (void **)((char *)s + t->off_v);
	size_t *cap = (size_t *)((char *)s + t->off_cap);
	size_t n = sec->present ? sec->n : 0;

	if (t->optional && !sec->present) {
		free(*arr);
		*arr = NULL;
		*cap = 0;
		return 0;
	}
	if (sec->present && sec->esize < field_bytes(t->f, t->nf)) {
		*cause = xprintf("%s: elements of %zu bytes, fewer than %zu", sect_names[t->id],
				 sec->esize, field_bytes(t->f, t->nf));
		return -1;
	}
	if (t->parallel && n != snap_n(s, t)) {
		*cause = xprintf("%s: %zu elements, where the %s section has %zu",
				 sect_names[t->id], n, sect_names[t->parallel], snap_n(s, t));
		return -1;
	}
	*arr = xgrow(*arr, cap, n ? n : 1, t->msize);
	memset(*arr, 0, n * t->msize);
	if (n > 0)
		get_elems(*arr, t->msize, t->f, t->nf, sec);
	if (!t->parallel)
		*(size_t *)((char *)s + t->off_n) = n;
	return 0;
}

int record_decode(struct snapshot *s, struct record_info *info, const void *data, size_t len,
		  char **cause)
{
	struct sect sects[S_COUNT];
	const unsigned char *p = data, *end = p + len;
	struct rec_head h;
	size_t i;

	memset(sects, 0, sizeof sects);
	while (p < end) {
		uint16_t id, es;
		uint32_t n;

		if ((size_t)(end - p) < 8) {
			*cause = xprintf("a section header cut at byte %zu",
					 (size_t)(p - (const unsigned char *)data));
			return -1;
		}
		memcpy(&id, p, 2);
		memcpy(&es, p + 2, 2);
		memcpy(&n, p + 4, 4);
		p += 8;
		if (es == 0 || (size_t)n > (size_t)(end - p) / es) {
			*cause = xprintf(
				"section %u: %u elements of %u bytes, past the record's end", id, n,
				es);
			return -1;
		}
		if (id > 0 && id < S_COUNT) {
			if (sects[id].present) {
				*cause = xprintf("section %u twice", id);
				return -1;
			}
			sects[id] = (struct sect){ p, es, n, 1 };
		}
		p += (size_t)n * es;
	}
	snapshot_reset(s);
	if (!sects[S_HEAD].present || sects[S_HEAD].n != 1 ||
	    sects[S_HEAD].esize < field_bytes(head_f, sizeof head_f / sizeof head_f[0])) {
		*cause = xstrdup("no head section");
		return -1;
	}
	memset(&h, 0, sizeof h);
	get_elems(&h, sizeof h, head_f, sizeof head_f / sizeof head_f[0], &sects[S_HEAD]);
	head_to(s, &h);
	info->flags = h.flags;
	info->interval = h.interval;
	for (i = 0; i < sizeof pools / sizeof pools[0]; i++) {
		struct strpool *pool = (struct strpool *)((char *)s + pools[i].off);

		if (get_pool(pool, &sects[pools[i].id], sect_names[pools[i].id], cause) < 0)
			return -1;
	}
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		const struct table *t = &tables[i];

		if ((t->id == S_SOCK ? get_socks(s, &sects[S_SOCK], cause)
				     : get_table(s, t, &sects[t->id], cause)) < 0)
			return -1;
	}
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		const struct table *t = &tables[i];
		void *arr = snap_arr(s, t);

		if (arr != NULL && check_elems(s, arr, t->msize, snap_n(s, t), t->f, t->nf,
					       sect_names[t->id], cause) < 0)
			return -1;
	}
	if (check_elems(s, &h, sizeof h, 1, head_f, sizeof head_f / sizeof head_f[0], "head",
			cause) < 0)
		return -1;
	for (i = 0; i < s->procs.n; i++) {
		s->procs.v[i].comm[sizeof s->procs.v[i].comm - 1] = '\0';
		s->procs.v[i].ino_off = 0;
		s->pstats[i].link0 = NONE;
	}
	for (i = 0; i < s->nports; i++) {
		const struct port_row *r = &s->ports[i];

		if (r->pid_off > s->npids || r->pid_n > s->npids - r->pid_off) {
			*cause = xprintf("port %zu: pids past their table", i);
			return -1;
		}
	}
	for (i = 0; i < s->socks.n; i++) {
		uint8_t fam = s->socks.v[i].family;

		if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNIX) {
			*cause = xprintf("socket %zu: family %u", i, fam);
			return -1;
		}
	}
	s->expr = NULL;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Each process's socket inodes, from its owner links and unlisted sockets: 0, or -1. */
static int rebuild_inodes(struct snapshot *s, char **cause)
{
	struct proc_table *pt = &s->procs;
	uint32_t *fill;
	size_t i, p, total = s->nlinks + s->nunlisted;

	pt->inodes = xgrow(pt->inodes, &pt->inocap, total ? total : 1, sizeof *pt->inodes);
	fill = xcalloc(pt->n + 1, sizeof *fill);
	for (i = 0; i < s->nlinks; i++)
		fill[s->links[i].proc + 1]++;
	for (i = 0; i < s->nunlisted; i++)
		fill[s->unlisted[i].proc + 1]++;
	for (p = 0; p < pt->n; p++)
		fill[p + 1] += fill[p];
	for (p = 0; p < pt->n; p++)
		pt->v[p].ino_off = fill[p];
	for (i = 0; i < s->socks.n; i++) {
		uint32_t l;

		for (l = s->socks.v[i].owner; l != NONE; l = s->links[l].next)
			pt->inodes[fill[s->links[l].proc]++] = s->socks.v[i].inode;
	}
	for (i = 0; i < s->nunlisted; i++)
		pt->inodes[fill[s->unlisted[i].proc]++] = s->unlisted[i].inode;
	for (p = 0; p < pt->n; p++) {
		struct proc_rec *pr = &pt->v[p];
		uint32_t *v = pt->inodes + pr->ino_off;
		size_t n = fill[p] - pr->ino_off, k, u = 0;

		qsort(v, n, sizeof *v, cmp_u32);
		for (k = 0; k < n; k++) {
			if (v[k] != 0 && (u == 0 || v[u - 1] != v[k]))
				v[u++] = v[k];
		}
		if (u != pr->ino_n) {
			*cause = xprintf("pid %d held %u sockets, the record names %zu", pr->pid,
					 pr->ino_n, u);
			free(fill);
			return -1;
		}
	}
	pt->ninodes = total;
	free(fill);
	return 0;
}

/* Indices of unlisted sockets (arg) by their inodes. */
static int cmp_unlisted(const void *a, const void *b, void *arg)
{
	const struct unlisted_sock *u = arg;
	uint32_t x = u[*(const uint32_t *)a].inode, y = u[*(const uint32_t *)b].inode;

	return x < y ? -1 : x > y;
}

int record_rejoin(struct snapshot *s, const struct sock_expr *e, char **cause)
{
	struct filter f = { NULL, 0, -1, 0, NULL, e };
	struct leak_verdict *svc = NULL;
	struct service_row *old = NULL;
	uint8_t *protos = NULL;
	uint32_t *inos = NULL;
	size_t nold = s->nservices, nun = s->nunlisted, i, k;
	int64_t overflows = s->totals.overflows_window, drops = s->totals.drops_window;
	struct strpool names;

	if (rebuild_inodes(s, cause) < 0)
		return -1;
	/* What the join forgets and the record knew: the unlisted sockets' protocols, and
	 * the services' verdicts (their rows are made again, by name). */
	inos = xmalloc((nun + 1) * sizeof *inos);
	for (i = 0; i < nun; i++)
		inos[i] = (uint32_t)i;
	qsort_r(inos, nun, sizeof *inos, cmp_unlisted, s->unlisted);
	protos = xmalloc(nun + 1);
	for (i = 0; i < nun; i++)
		protos[i] = s->unlisted[inos[i]].proto;
	for (i = 0; i < nun; i++)
		inos[i] = s->unlisted[inos[i]].inode;
	strpool_init(&names);
	if (s->svc_leak != NULL && nold > 0) {
		svc = xmalloc(nold * sizeof *svc);
		old = xmalloc(nold * sizeof *old);
		memcpy(svc, s->svc_leak, nold * sizeof *svc);
		for (i = 0; i < nold; i++) {
			size_t len;
			const char *name = strpool_get(&s->strs, s->services[i].name, &len);

			old[i] = s->services[i];
			old[i].name = strpool_add(&names, name, len);
		}
	}
	snapshot_relate(s, &f);
	for (i = 0; i < s->nunlisted; i++) {
		const uint32_t *at =
			bsearch(&s->unlisted[i].inode, inos, nun, sizeof *inos, cmp_u32);

		s->unlisted[i].proto = at != NULL ? protos[at - inos] : UL_UNASKED;
	}
	snapshot_count_unlisted(s);
	snapshot_traffic(s);
	s->totals.overflows_window = overflows;
	s->totals.drops_window = drops;
	if (svc != NULL) {
		s->svc_leak = xgrow(s->svc_leak, &s->svcleakcap, s->nservices ? s->nservices : 1,
				    sizeof *s->svc_leak);
		for (i = 0; i < s->nservices; i++) {
			size_t len, olen;
			const char *name = strpool_get(&s->strs, s->services[i].name, &len);

			memset(&s->svc_leak[i], 0, sizeof s->svc_leak[i]);
			for (k = 0; k < nold; k++) {
				const char *oname = strpool_get(&names, old[k].name, &olen);

				if (old[k].kind == s->services[i].kind && olen == len &&
				    memcmp(oname, name, len) == 0) {
					s->svc_leak[i] = svc[k];
					break;
				}
			}
		}
	}
	strpool_fini(&names);
	free(svc);
	free(old);
	free(protos);
	free(inos);
	return 0;
}
