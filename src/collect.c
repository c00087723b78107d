/* collect.c: the refresh path shared by the batch writers and the TUI. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockwatch/collect.h"
#include "sockwatch/expr.h"

struct collector {
	const struct config *cfg;
	struct diag *diag;
	struct netns_pool *pool; /* sockets in the other namespaces, NULL: host only */
	struct strbuf path;	 /* scratch: a namespace file's path */
	struct u32map nspid;	 /* scratch: namespace inode -> a pid in it */
	struct proc_scanner *scanner;
	struct history *hist;
	struct trend overflows, drops;
	/* cookie (low 32 bits) -> first seen; this and the last refresh (unless alternate) */
	struct u32map ages[2];
	const struct snapshot *last; /* the last refresh's, when alternate: alive, unchanged */
	int cur;
	struct u32map protos[2]; /* unlisted socket inode -> PROTO_SEEN or its protocol + 1 */
	int pcur;
	unsigned long refreshes;
	uint32_t *ask; /* scratch: the inodes of one process to ask about */
	char (*names)[PROC_PROTO_NAME];
	size_t askcap, namecap;
	double start;		      /* monotonic time of the first refresh */
	int procs;		      /* scan /proc (else only the totals of file-nr) */
	int judge;		      /* run the leak detector (and the CLOSE_WAIT age pass) */
	const struct sock_expr *expr; /* the filter expression in force, NULL: none */
	struct diag_pushdown pd;      /* what of it the dumps hand to the kernel */
	/*
	 * The last tcp_info sample. Its nprev figures stay in the table of the
	 * snapshot it was read into (tsnap, its array tti) until the next sample;
	 * prev[j] names the socket of entry j and holds the counters the next
	 * sample's rates start from (not when alternate: the last refresh's
	 * snapshot names them, see rate_from_last).
	 */
	struct tcpi_prev *prev;
	size_t nprev, prevcap;
	const struct snapshot *tsnap;
	const struct sock_tcpi *tti;
	uint32_t named; /* alternate: the sockets that named an entry of the last sample */
	int alternate;	/* the caller alternates snapshots, both alive (collector_alternate) */
	/*
	 * The refresh under way is the run's last (-n N): what only a later one
	 * would read (the first-seen map, the tcp_info sample) is not kept.
	 */
	int final;
	void (*on_dump)(void *arg, const struct snapshot *s); /* collector_on_dump */
	void *on_dump_arg;
	double tlast;	  /* monotonic time of the last sample's dump, < 0: none */
	double tdt;	  /* the seconds its rates are over, 0: none */
	uint32_t tclosed; /* its sockets of the sample before that have no counters now */
};

/* Entry j of the last sample: whose it was, and its counters then (32 bytes). */
struct tcpi_prev {
	uint64_t cookie;
	uint64_t bytes_acked, bytes_received;
	uint32_t total_retrans;
	uint32_t have; /* its TCPI_* bits and PREV_LIVE; 0: no socket's (a duplicate dropped) */
};

#define PREV_LIVE (1u << 31)
_Static_assert(TCPI_RATED < PREV_LIVE, "PREV_LIVE is not a TCPI_* bit");

struct collector *collector_new(const struct config *cfg, char **cause)
{
	struct collector *c = xcalloc(1, sizeof *c);

	c->diag = diag_new(cause);
	if (c->diag == NULL) {
		free(c);
		return NULL;
	}
	c->cfg = cfg;
	/* --check reads only what its thresholds need. */
	c->procs = !cfg->check || check_needs_procs(&cfg->checkopts, filter_active(&cfg->filter));
	c->judge = !cfg->check || check_needs_history(&cfg->checkopts);
	diag_set_ages(c->diag, c->judge);
	if (cfg->netns_all || (cfg->filter.netns != 0 && cfg->filter.netns != cfg->self_netns)) {
		c->pool = netns_pool_new();
		netns_pool_set_ages(c->pool, c->judge);
	}
	sb_init(&c->path);
	u32map_init(&c->nspid, 16);
	c->scanner = proc_scanner_new(cfg->proc_root);
	proc_scanner_set_full_every(c->scanner, cfg->rescan);
	c->hist = history_new(&cfg->leak);
	trend_init(&c->overflows);
	trend_init(&c->drops);
	u32map_init(&c->ages[0], 1024);
	u32map_init(&c->ages[1], 1024);
	u32map_init(&c->protos[0], 64);
	u32map_init(&c->protos[1], 64);
	c->tlast = -1;
	c->start = -1;
	collector_set_expr(c, cfg->filter.expr);
	return c;
}

void collector_set_expr(struct collector *c, const struct sock_expr *e)
{
	const struct diag_pushdown *pd = NULL;

	c->expr = e;
	if (e != NULL && !c->cfg->no_pushdown) {
		sock_expr_pushdown(e, &c->pd);
		pd = &c->pd;
	}
	diag_set_pushdown(c->diag, pd);
	if (c->pool != NULL)
		netns_pool_set_pushdown(c->pool, pd);
}

const struct history *collector_history(const struct collector *c)
{
	return c->hist;
}

void collector_free(struct collector *c)
{
	if (c == NULL)
		return;
	diag_free(c->diag);
	netns_pool_free(c->pool);
	sb_fini(&c->path);
	u32map_fini(&c->nspid);
	proc_scanner_free(c->scanner);
	history_free(c->hist);
	u32map_fini(&c->ages[0]);
	u32map_fini(&c->ages[1]);
	u32map_fini(&c->protos[0]);
	u32map_fini(&c->protos[1]);
	free(c->prev);
	free(c->ask);
	free(c->names);
	free(c);
}

/*
 * A socket inode that no process holds may belong to a process whose fd
 * count did not change (close() then socket()): have its uid's processes
 * rescanned at the next refresh. The scanner rate-limits this.
 */
static void chase_unowned(struct collector *c, const struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];

		if (r->inode != 0 && sock_owner(s, (uint32_t)i) == NONE)
			proc_scanner_unowned(c->scanner, r->inode, r->uid);
	}
}

/*
 * Socket r's record in the last refresh's snapshot (alternate: alive and
 * unchanged while the interface shows it), NONE. The kernel lists the sockets
 * in the same order from one dump to the next: the record after the last one
 * found (*next) is tried before the cookie map.
 */
static uint32_t last_sock(const struct snapshot *last, const struct sock_rec *r, uint32_t *next)
{
	const struct sock_rec *o = *next < last->socks.n ? &last->socks.v[*next] : NULL;
	uint32_t k;

	if (o != NULL && o->cookie == r->cookie && o->proto == r->proto)
		k = *next;
	else if ((k = snapshot_find_cookie(last, r->cookie, r->proto)) == NONE)
		return NONE;
	*next = k + 1;
	return k;
}

/*
 * Each socket's first-seen time, carried from the last refresh's map into a
 * new one (so sockets that closed are forgotten). A socket of the first
 * refresh predates sockwatch: its age is a lower bound.
 */
static void age_sockets(struct collector *c, struct snapshot *s, double now)
{
	struct u32map *old = &c->ages[c->cur], *cur = &c->ages[!c->cur];
	const struct snapshot *last = c->last;
	uint32_t next = 0;
	size_t i;

	if (c->start < 0)
		c->start = now;
	s->now_ds = (uint32_t)((now - c->start) * 10.0) + 1;
	s->first_ds = 1;
	/*
	 * The TUI keeps the last refresh's snapshot alive (it is shown) and
	 * unchanged: its own records and cookie map say when each socket was first
	 * seen, and two maps of a key and a value per socket (at a million sockets,
	 * 32 MiB) are not needed. Only its records and its map are read (the
	 * interface reads them too; what it writes at the swap is elsewhere).
	 */
	if (c->alternate) {
		for (i = 0; i < s->socks.n; i++) {
			struct sock_rec *r = &s->socks.v[i];
			uint32_t k = last != NULL ? last_sock(last, r, &next) : NONE;

			r->seen = k != NONE ? last->socks.v[k].seen : s->now_ds;
		}
		return;
	}
	u32map_clear(cur);
	for (i = 0; i < s->socks.n; i++) {
		struct sock_rec *r = &s->socks.v[i];
		uint32_t *was = u32map_get(old, sock_cookie_key(r));

		r->seen = was != NULL ? *was : s->now_ds;
		if (!c->final) /* no later refresh reads the map */
			*u32map_put(cur, sock_cookie_key(r), NULL) = r->seen;
	}
	c->cur = !c->cur;
}

/*
 * The TUI collects into one snapshot while it shows the other: the last
 * sample's entries are then in the other, which stays alive and unchanged
 * while it is shown. They are copied here, so that a refresh between samples
 * need not read tcp_info again (nprev entries of 56 bytes: a memcpy).
 */
static void keep_sample(struct collector *c, struct snapshot *s)
{
	if (!c->alternate || c->tsnap == NULL || c->tti == NULL || c->nprev == 0 ||
	    (c->tsnap == s && c->tti == s->socks.ti))
		return;
	s->socks.ti = xgrow(s->socks.ti, &s->socks.ticap, c->nprev, sizeof *s->socks.ti);
	memcpy(s->socks.ti, c->tti, c->nprev * sizeof *s->socks.ti);
	c->tsnap = s;
	c->tti = s->socks.ti;
}

void collector_alternate(struct collector *c)
{
	c->alternate = 1;
}

void collector_on_dump(struct collector *c, void (*fn)(void *arg, const struct snapshot *s),
		       void *arg)
{
	c->on_dump = fn;
	c->on_dump_arg = arg;
}

/*
 * Whether this refresh (its dump at monotonic time t, into s) reads tcp_info:
 * when --traffic-interval has gone by (give or take half a refresh), or when
 * the last sample's figures are not in s. Rates are per second, and the
 * kernel's filling of tcp_info (a quarter of the dump) is not paid 20 times
 * a second at -d 0.05; a refresh in between shows the last sample's figures.
 */
static int traffic_due(const struct collector *c, const struct snapshot *s, double t)
{
	return c->cfg->traffic && (c->tlast < 0 || c->tsnap != s || c->tti != s->socks.ti ||
				   t - c->tlast >= c->cfg->traffic_interval - c->cfg->delay / 2);
}

/*
 * The socket of the last sample's entry p in s (index in socks.v), NONE: gone.
 * The kernel lists the sockets in its hash table's order, which holds from one
 * dump to the next: the entries are looked at in order, and the socket after
 * the last one found (*next) is tried before the join's cookie map.
 */
static uint32_t prev_sock(const struct snapshot *s, const struct tcpi_prev *p, uint32_t *next)
{
	const struct sock_rec *r = *next < s->socks.n ? &s->socks.v[*next] : NULL;
	uint32_t k;

	if (p->have == 0)
		return NONE;
	if (r != NULL && r->cookie == p->cookie && r->proto == SP_TCP)
		k = *next;
	else if ((k = snapshot_find_cookie(s, p->cookie, SP_TCP)) == NONE)
		return NONE;
	*next = k + 1;
	return k;
}

/*
 * x's rates: the growth of its counters since the last sample's (with bits
 * have), over dt seconds. None when the last sample had no byte counters or
 * a counter went back (then it is not the same socket's).
 */
static void set_rates(struct sock_tcpi *x, unsigned have, uint64_t acked, uint64_t received,
		      uint32_t retrans, double dt)
{
	if (dt <= 0 || !(have & TCPI_BYTES) || x->bytes_acked < acked ||
	    x->bytes_received < received || x->total_retrans < retrans)
		return;
	x->tx = (float)((double)(x->bytes_acked - acked) / dt);
	x->rx = (float)((double)(x->bytes_received - received) / dt);
	x->retr = (float)((double)(x->total_retrans - retrans) / dt);
	x->have |= TCPI_RATED;
}

/*
 * A sample: each TCP socket's rates are the growth of its tcp_info counters
 * since the last sample, by cookie, over the time between the two dumps. A
 * socket new since then has none (TCPI_RATED unset). Those of the last sample
 * that have no tcp_info now closed in between (or wait in TIME_WAIT): what
 * they carried since their last sample is not seen, and they are counted in
 * tcp_closed so that the user can judge the sums. Then this sample is kept:
 * its figures in s, the counters and cookies in prev.
 */
static void rate_sockets(struct collector *c, struct snapshot *s, double t)
{
	size_t i, was = 0, kept = 0;
	uint32_t next = 0;
	double dt = c->tlast >= 0 ? t - c->tlast : 0;

	for (i = 0; i < c->nprev; i++) {
		const struct tcpi_prev *p = &c->prev[i];
		uint32_t k;
		struct sock_tcpi *x;

		if (p->have == 0)
			continue;
		was++;
		if ((k = prev_sock(s, p, &next)) == NONE || s->socks.v[k].tcpi == SOCK_NO_TCPI)
			continue;
		x = &s->socks.ti[s->socks.v[k].tcpi];
		if (!(x->have & TCPI_BYTES))
			continue;
		kept++;
		set_rates(x, p->have, p->bytes_acked, p->bytes_received, p->total_retrans, dt);
	}
	c->tclosed = c->tlast >= 0 && was > kept ? (uint32_t)(was - kept) : 0;
	c->nprev = c->final ? 0 : s->socks.nti; /* no rate will start from this sample */
	if (c->nprev > 0) {			/* none with tcp_info: prev may still be NULL */
		c->prev = xgrow(c->prev, &c->prevcap, c->nprev, sizeof *c->prev);
		memset(c->prev, 0, c->nprev * sizeof *c->prev);
	}
	/* The join dropped the second listing of a socket: its entry names nobody. */
	for (i = 0; i < s->socks.n && c->nprev > 0; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		const struct sock_tcpi *x;
		struct tcpi_prev *p;

		if (r->tcpi == SOCK_NO_TCPI)
			continue;
		x = &s->socks.ti[r->tcpi];
		p = &c->prev[r->tcpi];
		p->cookie = r->cookie;
		p->bytes_acked = x->bytes_acked;
		p->bytes_received = x->bytes_received;
		p->total_retrans = x->total_retrans;
		p->have = x->have | PREV_LIVE;
	}
	c->tsnap = s;
	c->tti = s->socks.ti;
	c->tdt = dt;
	c->tlast = t;
}

/*
 * Whether a TCP socket between samples shows its last sample's entry: not
 * once it waits in TIME_WAIT (which keeps the cookie) or is a request socket.
 */
static int carries_tcpi(const struct sock_rec *r)
{
	return r->state != TS_TIME_WAIT && r->state != TS_SYN_RECV && r->state != TS_NEW_SYN_RECV;
}

/*
 * rate_sockets for a caller that alternates two snapshots (the TUI): the last
 * refresh's snapshot, alive and unchanged while it is shown, holds each
 * socket's entry of the last sample (the sample itself, or a refresh since
 * then that carried the entries), so no copy of the counters is kept: 32
 * bytes a socket, 32 MiB at a million. tcp_closed counts the same sockets:
 * those that named an entry at the last sample (c->named) less those found
 * with tcp_info now.
 */
static void rate_from_last(struct collector *c, struct snapshot *s, double t)
{
	const struct snapshot *last = c->last;
	double dt = c->tlast >= 0 ? t - c->tlast : 0;
	uint32_t next = 0, named = 0, kept = 0;
	size_t i;

	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		const struct sock_tcpi *p;
		struct sock_tcpi *x;
		uint32_t k;

		if (r->tcpi == SOCK_NO_TCPI)
			continue;
		named++;
		x = &s->socks.ti[r->tcpi];
		if (last == NULL || c->tlast < 0 || !(x->have & TCPI_BYTES))
			continue;
		k = last_sock(last, r, &next);
		if (k == NONE || last->socks.v[k].tcpi >= last->socks.nti)
			continue;
		p = &last->socks.ti[last->socks.v[k].tcpi];
		kept++;
		set_rates(x, p->have, p->bytes_acked, p->bytes_received, p->total_retrans, dt);
	}
	c->tclosed = c->tlast >= 0 && c->named > kept ? c->named - kept : 0;
	c->named = named;
	c->nprev = s->socks.nti;
	c->tsnap = s;
	c->tti = s->socks.ti;
	c->tdt = dt;
	c->tlast = t;
}

/*
 * carry_rates for a caller that alternates two snapshots: s holds a copy of
 * the last sample's entries (keep_sample), and each socket still there takes
 * the entry its record in the last refresh's snapshot named.
 */
static void carry_from_last(const struct collector *c, struct snapshot *s)
{
	const struct snapshot *last = c->last;
	uint32_t next = 0, k;
	size_t i;

	for (i = 0; last != NULL && i < s->socks.n; i++) {
		struct sock_rec *r = &s->socks.v[i];

		if (r->proto != SP_TCP || !carries_tcpi(r))
			continue;
		k = last_sock(last, r, &next);
		if (k != NONE && last->socks.v[k].tcpi < s->socks.nti)
			r->tcpi = last->socks.v[k].tcpi;
	}
}

/*
 * A refresh between samples: each socket of the last sample shows what it
 * showed then (the sample's entries are still in s). A socket opened since
 * has no tcp_info until the next sample; one that reached TIME_WAIT (which
 * keeps its cookie) carries none.
 */
static void carry_rates(const struct collector *c, struct snapshot *s)
{
	size_t j;
	uint32_t next = 0;

	for (j = 0; j < c->nprev; j++) {
		uint32_t k = prev_sock(s, &c->prev[j], &next);
		struct sock_rec *r;

		if (k == NONE)
			continue;
		r = &s->socks.v[k];
		if (!carries_tcpi(r))
			continue;
		r->tcpi = (uint32_t)j;
	}
}

#define PROTO_SEEN UINT32_MAX /* unlisted at one refresh, not asked about yet */

/*
 * The protocol of each socket fd no dump listed, from /proc, carried across
 * refreshes by inode (a socket's protocol never changes). A socket opened
 * between the dump and the /proc scan is unlisted for one refresh only, so
 * a new one is asked about when it is still unlisted at the next refresh
 * (at once at the first): a busy server's fd table is not read again for
 * those. Each socket is asked about once; a refresh where every unlisted
 * socket is known reads nothing.
 */
static void ask_protos(struct collector *c, struct snapshot *s)
{
	struct u32map *old = &c->protos[c->pcur], *cur = &c->protos[!c->pcur];
	size_t i = 0, j, k, nask;

	u32map_clear(cur);
	while (i < s->nunlisted) {
		uint32_t proc = s->unlisted[i].proc;

		nask = 0;
		for (j = i; j < s->nunlisted && s->unlisted[j].proc == proc; j++) {
			struct unlisted_sock *u = &s->unlisted[j];
			const uint32_t *was = u32map_get(old, u->inode);

			if (was != NULL && *was != PROTO_SEEN) {
				u->proto = (uint8_t)(*was - 1);
				*u32map_put(cur, u->inode, NULL) = *was;
			} else if (was == NULL && c->refreshes > 0) {
				*u32map_put(cur, u->inode, NULL) = PROTO_SEEN;
			} else {
				c->ask = xgrow(c->ask, &c->askcap, nask + 1, sizeof *c->ask);
				c->ask[nask++] = u->inode;
			}
		}
		if (nask > 0) {
			c->names = xgrow(c->names, &c->namecap, nask, sizeof *c->names);
			/* A process gone meanwhile leaves its names empty: another protocol. */
			proc_sock_protos(c->cfg->proc_root, s->procs.v[proc].pid, c->ask, nask,
					 c->names);
			for (k = 0; i < j; i++) {
				struct unlisted_sock *u = &s->unlisted[i];

				if (k == nask || u->inode != c->ask[k])
					continue;
				u->proto = (uint8_t)sock_proto_by_kernel_name(c->names[k++]);
				*u32map_put(cur, u->inode, NULL) = (uint32_t)u->proto + 1;
			}
		}
		i = j;
	}
	c->pcur = !c->pcur;
	snapshot_count_unlisted(s);
}

int collector_netns_exists(const char *proc_root, uint32_t ino)
{
	struct netns_name *named = NULL;
	struct strbuf path;
	struct dirent *de;
	size_t i, n = 0;
	uint32_t got;
	int found = 0;
	DIR *d;

	if (netns_list_named(NETNS_RUN_DIR, &named, &n) == 0) {
		for (i = 0; i < n; i++)
			found |= named[i].ino == ino;
		netns_names_free(named, n);
	}
	d = found ? NULL : opendir(proc_root);
	if (d == NULL)
		return found;
	sb_init(&path);
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		sb_reset(&path);
		sb_printf(&path, "%s/%s/ns/net", proc_root, de->d_name);
		found = netns_file_inode(path.buf, &got) == 0 && got == ino;
	}
	sb_fini(&path);
	closedir(d);
	return found;
}

/*
 * Dump the tables of namespace ino (entered through the file path) unless done
 * this refresh; its records are marked with its index. A namespace that cannot
 * be entered stays listed as not dumped: its processes' fds are not judged.
 */
/*
 * The dumps that would list nothing in the namespace of pid (0: sockwatch's
 * own, -1: none known): those whose protocol its sockstat counts no socket of.
 * Each saves the kernel a walk of a hash table that, unless the namespace was
 * given its own, is sized for the whole host. A socket bound between this read
 * and the dump is missed for one refresh, as one opened between the dump and
 * the /proc scan is.
 */
static unsigned empty_dumps(const struct collector *c, int pid)
{
	struct proc_sockstat st;
	unsigned skip = 0;

	if (pid < 0)
		return 0;
	proc_read_sockstat(c->cfg->proc_root, pid, &st);
	if (st.tcp == 0 && st.tw == 0 && st.tcp6 == 0)
		skip |= DIAG_SKIP(DD_TCP4) | DIAG_SKIP(DD_TCP6);
	if (st.udp == 0)
		skip |= DIAG_SKIP(DD_UDP4);
	if (st.udp6 == 0)
		skip |= DIAG_SKIP(DD_UDP6);
	if (st.udplite == 0)
		skip |= DIAG_SKIP(DD_UDPLITE4);
	if (st.udplite6 == 0)
		skip |= DIAG_SKIP(DD_UDPLITE6);
	return skip;
}

static void dump_netns(struct collector *c, struct snapshot *s, uint32_t ino, const char *path,
		       const char *name, int pid)
{
	const struct config *cfg = c->cfg;
	struct diag_status st;
	struct diag *d;
	char *cause = NULL;
	size_t i, n0 = s->socks.n;
	uint32_t idx;

	if (ino == 0 || ino == cfg->self_netns)
		return;
	if (!cfg->netns_all && ino != cfg->filter.netns)
		return;
	idx = snapshot_netns_find(s, ino);
	if (idx != NONE && s->netns[idx].dumped)
		return;
	if (s->nnetns >= UINT16_MAX)
		return; /* records hold a 16-bit index: more namespaces than that are not read */
	idx = snapshot_add_netns(s, ino, name, name != NULL ? strlen(name) : 0, 0);
	d = netns_pool_get(c->pool, ino, path, &cause);
	free(cause); /* it went away, or is not ours to enter: its processes tell */
	if (d == NULL || diag_dump_some(d, &s->socks, &st, empty_dumps(c, pid)) < 0) {
		s->socks.n = n0;
		return;
	}
	for (i = n0; i < s->socks.n; i++)
		s->socks.v[i].netns = (uint16_t)idx;
	s->netns[idx].dumped = 1;
}

/* The namespaces `ip netns` named, then those of the processes just scanned. */
static void dump_other_netns(struct collector *c, struct snapshot *s)
{
	struct netns_name *named = NULL;
	size_t i, n = 0;

	/* A process in each namespace, whose /proc/PID/net tells what the namespace holds. */
	u32map_clear(&c->nspid);
	for (i = 0; i < s->procs.n; i++) {
		int isnew;
		uint32_t *slot;

		if (s->procs.v[i].netns == 0)
			continue;
		slot = u32map_put(&c->nspid, s->procs.v[i].netns, &isnew);
		if (isnew)
			*slot = (uint32_t)s->procs.v[i].pid;
	}
	if (netns_list_named(NETNS_RUN_DIR, &named, &n) == 0) {
		for (i = 0; i < n; i++) {
			const uint32_t *pid = u32map_get(&c->nspid, named[i].ino);

			sb_reset(&c->path);
			sb_printf(&c->path, "%s/%s", NETNS_RUN_DIR, named[i].name);
			dump_netns(c, s, named[i].ino, c->path.buf, named[i].name,
				   pid != NULL ? (int)*pid : -1);
		}
		netns_names_free(named, n);
	}
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_rec *p = &s->procs.v[i];
		uint32_t idx;

		/* Most processes are in a namespace already read: no path to make for them. */
		if (p->netns == 0 || p->netns == c->cfg->self_netns)
			continue;
		idx = snapshot_netns_find(s, p->netns);
		if (idx != NONE && s->netns[idx].dumped)
			continue;
		sb_reset(&c->path);
		sb_printf(&c->path, "%s/%d/ns/net", c->cfg->proc_root, p->pid);
		dump_netns(c, s, p->netns, c->path.buf, NULL, p->pid);
	}
	netns_pool_sweep(c->pool);
}

/*
 * The dump comes before the /proc scan: a socket opened in between is then
 * an "other" socket of its process for one refresh, rather than an unowned
 * socket in the tables.
 */
int collector_collect(struct collector *c, struct snapshot *s, double now, char **cause)
{
	const struct config *cfg = c->cfg;
	struct filter f = cfg->filter;
	double t0 = mono_now();
	int sample, err;

	/* A batch run's -n only: the TUI ignores it (its default of 1 is the batch's). */
	c->final = cfg->batch && cfg->iterations != 0 && c->refreshes + 1 >= cfg->iterations;
	if (c->last == s)
		c->last = NULL; /* not the other snapshot: the caller did not alternate */
	keep_sample(c, s);
	sample = traffic_due(c, s, t0);
	snapshot_reset(s);
	if (cfg->traffic && !sample)
		s->socks.nti = c->nprev; /* the last sample's, still in s (traffic_due) */
	clock_gettime(CLOCK_REALTIME, &s->time);
	/*
	 * A batch run of one refresh has no rate to show, and outside the sockets
	 * view (and a recording, which keeps what it gets) no socket's tcp_info is
	 * shown: its sums need each socket's RTT alone (56 bytes a socket less).
	 */
	s->socks.rtt_only = (uint8_t)(sample && c->final && c->refreshes == 0 &&
				      cfg->view != VIEW_SOCKETS && cfg->record == NULL);
	diag_set_tcp_info(c->diag, sample);
	if (c->pool != NULL)
		netns_pool_set_tcp_info(c->pool, sample);
	err = diag_dump_some(c->diag, &s->socks, &s->diag, empty_dumps(c, 0));
	if (err < 0) {
		*cause = xprintf("sock_diag dump failed: %s", strerror(-err));
		return -1;
	}
	snapshot_add_netns(s, cfg->self_netns, "host", 4, 1);
	if (c->on_dump != NULL)
		c->on_dump(c->on_dump_arg, s);
	proc_read_sys(cfg->proc_root, &s->sys);
	s->procs_scanned = (uint8_t)c->procs;
	if (c->procs) {
		err = proc_scan(c->scanner, &s->procs);
		if (err < 0) {
			*cause = xprintf("%s: %s", cfg->proc_root, strerror(-err));
			return -1;
		}
	} else {
		proc_read_file_nr(cfg->proc_root, &s->procs);
	}
	/*
	 * Other namespaces after the scan, which finds them: a process in a new one is
	 * then never judged on a dump that did not cover it.
	 */
	if (c->pool != NULL)
		dump_other_netns(c, s);
	f.expr = c->expr;
	snapshot_relate(s, &f);
	/* The rates find each socket by cookie, as the join left the table. */
	if (sample && c->alternate)
		rate_from_last(c, s, t0);
	else if (sample)
		rate_sockets(c, s, t0);
	else if (cfg->traffic && c->alternate)
		carry_from_last(c, s);
	else if (cfg->traffic)
		carry_rates(c, s);
	if (cfg->traffic) {
		s->tcp_info = 1;
		s->traffic_dt = c->tdt;
		s->tcp_closed = c->tclosed;
	}
	snapshot_traffic(s);
	if (c->procs) {
		chase_unowned(c, s);
		ask_protos(c, s);
	}
	c->refreshes++;
	if (cfg->socket_ages)
		age_sockets(c, s, now);
	s->refreshes = c->refreshes;
	s->refresh_s = mono_now() - t0;
	if (c->alternate)
		c->last = s; /* read by the next refresh's ages and rates */
	return 0;
}

void collector_judge(struct collector *c, struct snapshot *s, double now)
{
	const struct config *cfg = c->cfg;

	if (c->judge)
		history_update(c->hist, s, now);
	s->totals.overflows_window =
		trend_update(&c->overflows, now, s->sys.listen_overflows, cfg->leak.window);
	s->totals.drops_window =
		trend_update(&c->drops, now, s->sys.listen_drops, cfg->leak.window);
	if (cfg->leaks_only)
		snapshot_keep_leaking(s);
}

int collector_refresh(struct collector *c, struct snapshot *s, double now, char **cause)
{
	if (collector_collect(c, s, now, cause) < 0)
		return -1;
	collector_judge(c, s, now);
	return 0;
}
