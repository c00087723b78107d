/* snapshot.c: join sockets to their owners by inode and build the aggregates. */
#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/expr.h"
#include "sockwatch/model.h"
#include "sockwatch/service.h"

/* Key of an address the way listeners are matched: namespace, family, address, port. */
struct addr_key {
	uint16_t netns;
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint16_t zero;
	uint8_t addr[16];
};

/* A port in a namespace other than sockwatch's own (whose ports are flat tables). */
struct nsport_key {
	uint16_t netns;
	uint8_t proto;
	uint8_t dir;
	uint16_t port;
	uint16_t zero;
};

/* A service: its kind and name (by hash and length). */
struct svc_key {
	uint8_t kind;
	uint8_t zero[3];
	uint32_t len;
	uint64_t hash;
};

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof *s);
	sock_table_init(&s->socks);
	proc_table_init(&s->procs);
	memset(&s->own_scratch, 0, sizeof s->own_scratch);
	u32map_init(&s->own_scratch.inodes, 1024);
	s->scratch = &s->own_scratch;
	u32map_init(&s->cookie_map, 1024);
	hmap_init(&s->listen_map, sizeof(struct addr_key), 256);
	s->port_rows = xcalloc((size_t)SP_UNIX_STREAM * 2 * 65536, sizeof *s->port_rows);
	hmap_init(&s->peer_set, 3 * sizeof(uint32_t), 1024);
	hmap_init(&s->pid_set, 8, 1024);
	hmap_init(&s->tw_map, sizeof(struct addr_key), 256);
	hmap_init(&s->port_map, sizeof(struct nsport_key), 64);
	hmap_init(&s->nsport_set, sizeof(struct nsport_key), 64);
	hmap_init(&s->svc_map, sizeof(struct svc_key), 64);
	u32map_init(&s->ns_map, 16);
	u32map_init(&s->unix_peers, 16);
	strpool_init(&s->strs);
}

static void scratch_fini(struct join_scratch *j)
{
	u32map_fini(&j->inodes);
	free(j->tr_sorted);
	free(j->tr_off);
	free(j->tr_rtt);
	memset(j, 0, sizeof *j);
}

void snapshot_share_scratch(struct snapshot *s, struct snapshot *with)
{
	scratch_fini(&s->own_scratch);
	u32map_init(&s->own_scratch.inodes, 1);
	s->scratch = with->scratch;
}

void snapshot_fini(struct snapshot *s)
{
	sock_table_fini(&s->socks);
	proc_table_fini(&s->procs);
	free(s->links);
	free(s->pstats);
	free(s->rel);
	free(s->lsocks);
	free(s->listeners);
	free(s->ports);
	free(s->pids);
	free(s->unlisted);
	free(s->leak);
	free(s->svc_leak);
	free(s->netns);
	free(s->services);
	strpool_fini(&s->strs);
	hmap_fini(&s->port_map);
	hmap_fini(&s->nsport_set);
	hmap_fini(&s->svc_map);
	u32map_fini(&s->ns_map);
	u32map_fini(&s->unix_peers);
	scratch_fini(&s->own_scratch);
	u32map_fini(&s->cookie_map);
	free(s->port_rows);
	hmap_fini(&s->listen_map);
	hmap_fini(&s->peer_set);
	hmap_fini(&s->pid_set);
	hmap_fini(&s->tw_map);
	memset(s, 0, sizeof *s);
}

void snapshot_reset(struct snapshot *s)
{
	sock_table_reset(&s->socks);
	proc_table_reset(&s->procs);
	memset(&s->diag, 0, sizeof s->diag);
	s->nlinks = s->nlsocks = s->nlisteners = s->nports = s->npids = s->nunlisted = 0;
	s->nnetns = s->nservices = 0;
	u32map_clear(&s->ns_map);
	strpool_reset(&s->strs);
	memset(&s->totals, 0, sizeof s->totals);
	s->tcp_info = 0;
	s->traffic_dt = 0;
	s->tcp_closed = 0;
}

void snapshot_keep_leaking(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->procs.n; i++) {
		if (s->leak == NULL || s->leak[i].level == LEAK_OK)
			s->pstats[i].shown = 0;
	}
}

uint32_t snapshot_proc_by_pid(const struct snapshot *s, int pid)
{
	size_t i;

	for (i = 0; i < s->procs.n; i++) {
		if (s->procs.v[i].pid == pid)
			return (uint32_t)i;
	}
	return NONE;
}

size_t snapshot_unknown_shown(const struct snapshot *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->procs.n; i++)
		n += s->pstats[i].shown && !s->procs.v[i].fd_readable;
	return n;
}

int filter_procs(const struct filter *f)
{
	return f != NULL && (f->npids > 0 || f->uid >= 0 || f->service != NULL);
}

int filter_active(const struct filter *f)
{
	return filter_procs(f) || (f != NULL && (f->netns != 0 || f->expr != NULL));
}

uint32_t snapshot_add_netns(struct snapshot *s, uint32_t ino, const char *name, size_t len,
			    int dumped)
{
	struct netns_row *n;
	uint32_t *slot;
	int isnew;

	if (ino != 0) {
		slot = u32map_put(&s->ns_map, ino, &isnew);
		if (!isnew) {
			n = &s->netns[*slot];
			n->dumped |= (uint8_t)(dumped != 0);
			if (n->name == 0 && len > 0) {
				n->name = strpool_add(&s->strs, name, len);
				n->named = 1;
			}
			return *slot;
		}
		*slot = (uint32_t)s->nnetns;
	}
	s->netns = xgrow(s->netns, &s->netnscap, s->nnetns + 1, sizeof *s->netns);
	n = &s->netns[s->nnetns];
	memset(n, 0, sizeof *n);
	n->ino = ino;
	n->dumped = (uint8_t)(dumped != 0);
	n->first = NONE;
	if (len > 0) {
		n->name = strpool_add(&s->strs, name, len);
		n->named = s->nnetns > 0; /* the first is sockwatch's own: "host" */
	}
	return (uint32_t)s->nnetns++;
}

uint32_t snapshot_netns_find(const struct snapshot *s, uint32_t ino)
{
	const uint32_t *slot = ino != 0 ? u32map_get(&s->ns_map, ino) : NULL;

	return slot != NULL ? *slot : NONE;
}

const char *netns_name(const struct snapshot *s, uint32_t netns, size_t *len)
{
	return strpool_get(&s->strs, netns < s->nnetns ? s->netns[netns].name : 0, len);
}

int filter_match(const struct filter *f, const struct proc_rec *p)
{
	size_t i;

	if (f == NULL)
		return 1;
	if (f->uid >= 0 && p->uid != f->uid)
		return 0;
	if (f->npids == 0)
		return 1;
	for (i = 0; i < f->npids; i++) {
		if (f->pids[i] == p->pid)
			return 1;
	}
	return 0;
}

int snapshot_sock_shown(const struct snapshot *s, const struct filter *f, uint32_t sock)
{
	uint32_t l;

	if (s->expr != NULL && !s->socks.v[sock].match)
		return 0;
	if (!filter_active(f))
		return 1;
	if (f->netns != 0 && s->netns[s->socks.v[sock].netns].ino != f->netns)
		return 0;
	if (!filter_procs(f))
		return 1;
	for (l = sock_owner_first(s, sock); l != NONE; l = sock_owner_next(s, l)) {
		if (s->pstats[owner_proc(s, l)].shown)
			return 1;
	}
	return 0;
}

static unsigned state_index(unsigned state)
{
	return state < TS_MAX ? state : 0;
}

/* Socket r into the totals' counts by protocol and TCP state. */
static void count_total(struct totals *t, const struct sock_rec *r)
{
	t->sockets++;
	if (r->proto < SP_COUNT)
		t->proto[r->proto]++;
	if (r->proto == SP_TCP)
		t->tcp_states[state_index(r->state)]++;
}

void snapshot_count_dump(const struct snapshot *s, struct totals *t)
{
	size_t i;

	memset(t, 0, sizeof *t);
	t->tw_peer_sock = NONE;
	for (i = 0; i < s->socks.n; i++)
		count_total(t, &s->socks.v[i]);
}

/* Build inode -> owner links from every process's socket inodes. */
static void join_owners(struct snapshot *s)
{
	const struct proc_table *pt = &s->procs;
	size_t p, i;
	int isnew;

	u32map_clear(&s->scratch->inodes);
	s->links = xgrow(s->links, &s->linkcap, pt->ninodes, sizeof *s->links);
	s->nlinks = 0;
	/* Backwards, so that each list (built by prepending) is in process order. */
	for (p = pt->n; p-- > 0;) {
		const struct proc_rec *pr = &pt->v[p];

		s->pstats[p].link0 = (uint32_t)s->nlinks;
		for (i = 0; i < pr->ino_n; i++) {
			uint32_t ino = pt->inodes[pr->ino_off + i];
			uint32_t *slot;

			if (i + PREFETCH_AHEAD < pr->ino_n)
				u32map_prefetch(&s->scratch->inodes,
						pt->inodes[pr->ino_off + i + PREFETCH_AHEAD]);
			if (ino == 0)
				continue;
			slot = u32map_put(&s->scratch->inodes, ino, &isnew);
			struct owner_link *l = &s->links[s->nlinks];

			l->proc = (uint32_t)p;
			l->next = isnew ? NONE : *slot;
			l->counted = 0;
			*slot = (uint32_t)s->nlinks++;
		}
	}
}

static void addr_key_make(struct addr_key *k, const struct sock_rec *r, const uint8_t *addr,
			  uint16_t port)
{
	memset(k, 0, sizeof *k);
	k->netns = r->netns;
	k->family = r->family;
	k->proto = r->proto;
	k->port = port;
	if (addr != NULL)
		memcpy(k->addr, addr, r->family == AF_INET ? 4 : 16);
}

/* The key of one of r's addresses (remote: its peer's) and a port. */
static void addr_key_sock(struct addr_key *k, const struct snapshot *s, const struct sock_rec *r,
			  int remote, uint16_t port)
{
	uint8_t buf[16];

	addr_key_make(k, r, sock_addr(&s->socks, r, remote, buf), port);
}

/*
 * System-wide pressure from sockets nobody holds: orphans (closed by their
 * owner, still finishing; capped by tcp_max_orphans) and TIME_WAIT sockets
 * toward one remote address and port, which pin local ports of the
 * ephemeral range (outbound port exhaustion).
 */
static void count_unowned(struct snapshot *s, const struct sock_rec *r, uint32_t idx)
{
	struct addr_key k;
	uint32_t *n;

	if (r->proto != SP_TCP || r->inode != 0)
		return;
	switch (r->state) {
	case TS_FIN_WAIT2:
		if (r->timer == 3)
			return; /* a TIME_WAIT minisocket in FIN_WAIT2's clothes */
				/* fall through */
	case TS_FIN_WAIT1:
	case TS_CLOSING:
	case TS_LAST_ACK:
		s->totals.orphans++;
		return;
	case TS_TIME_WAIT:
		addr_key_sock(&k, s, r, 1, r->dport);
		n = hmap_put(&s->tw_map, &k, NULL);
		if (++*n > s->totals.tw_peer_max) {
			s->totals.tw_peer_max = *n;
			s->totals.tw_peer_sock = idx;
		}
		return;
	}
}

/*
 * Each socket's first owner link (r->owner), from the processes' socket
 * inodes. A pass of its own, so that the map's slots can be fetched ahead.
 */
static void find_owners(struct snapshot *s)
{
	size_t i, n = s->socks.n;

	for (i = 0; i < n; i++) {
		struct sock_rec *r = &s->socks.v[i];
		const uint32_t *slot =
			r->inode != 0 ? u32map_get(&s->scratch->inodes, r->inode) : NULL;

		if (i + PREFETCH_AHEAD < n && s->socks.v[i + PREFETCH_AHEAD].inode != 0)
			u32map_prefetch(&s->scratch->inodes, s->socks.v[i + PREFETCH_AHEAD].inode);
		r->owner = slot != NULL ? *slot : NONE;
	}
}

/* Count one socket (index i) into totals and into each owner's stats. */
static void count_socket(struct snapshot *s, struct sock_rec *r, uint32_t i)
{
	uint32_t l = r->owner;

	r->dup = (uint8_t)(r->owner != NONE && s->links[r->owner].counted);
	if (l != NONE && !r->dup)
		s->rel[i].proc = s->links[l].next == NONE ? s->links[l].proc : REL_OWNERS;
	count_total(&s->totals, r);
	for (l = r->owner; l != NONE; l = s->links[l].next) {
		struct proc_stats *ps = &s->pstats[s->links[l].proc];

		/* MPTCP subflows and non-atomic dumps can repeat an inode. */
		if (s->links[l].counted)
			continue;
		s->links[l].counted = 1;
		switch (r->proto) {
		case SP_TCP:
			ps->tcp++;
			ps->states[state_index(r->state)]++;
			break;
		case SP_UDP:
		case SP_UDPLITE:
			ps->udp++;
			break;
		default:
			ps->unix_++;
			break;
		}
	}
}

static int is_listener(const struct sock_rec *r)
{
	switch (r->proto) {
	case SP_TCP:
		return r->state == TS_LISTEN;
	case SP_UDP:
	case SP_UDPLITE:
		return r->state == TS_CLOSE && r->sport != 0;
	default:
		return r->state == TS_LISTEN;
	}
}

/* UNIX listeners are matched by path: the key holds a hash of it. */
static void unix_key_make(struct addr_key *k, const struct snapshot *s, const struct sock_rec *r)
{
	size_t len;
	const char *name = strpool_get(&s->socks.names, r->name, &len);
	uint64_t h = hash_bytes(name, len);

	memset(k, 0, sizeof *k);
	k->netns = r->netns;
	k->family = AF_UNIX;
	k->proto = r->proto;
	memcpy(k->addr, &h, sizeof h);
	memcpy(k->addr + 8, &len, sizeof(uint32_t));
}

/*
 * Listeners and what is counted for them. A TCP socket on a port with a
 * listener (any state but LISTEN) belongs to the listener bound to its exact
 * local address and port, or else to the wildcard listener of its family on
 * that port (a v4-mapped address is an AF_INET6 socket, so "::" catches it);
 * a UNIX socket to the listener of its path. Several listeners on one address
 * and port (SO_REUSEPORT) share it out: a socket goes to the one whose process
 * holds it, else to the first in dump order. A listening socket belongs to
 * itself. A listener's connections are the ESTABLISHED sockets counted for it.
 */
static struct nsport_key nsport_key_make(const struct sock_rec *r, unsigned dir, uint16_t port)
{
	struct nsport_key k = { r->netns, r->proto, (uint8_t)dir, port, 0 };

	return k;
}

static int port_listening(const struct snapshot *s, const struct sock_rec *r)
{
	struct nsport_key k;

	if (r->proto >= SP_UNIX_STREAM)
		return 0;
	if (r->netns == 0)
		return s->listen_ports[r->proto][r->sport >> 3] >> (r->sport & 7) & 1;
	k = nsport_key_make(r, 0, r->sport);
	return hmap_get(&s->nsport_set, &k) != NULL;
}

/* Whether the holders of two sockets share a process. */
static int share_owner(const struct snapshot *s, uint32_t a, uint32_t b)
{
	uint32_t l;

	for (l = sock_owner_first(s, a); l != NONE; l = sock_owner_next(s, l)) {
		if (sock_owned_by(s, b, owner_proc(s, l)))
			return 1;
	}
	return 0;
}

/* Of the listeners from first on (one address and port), the one socket sock goes to. */
static uint32_t pick_listener(const struct snapshot *s, uint32_t first, uint32_t sock)
{
	uint32_t ls;

	if (s->lsocks[first].next == NONE)
		return first;
	for (ls = first; ls != NONE; ls = s->lsocks[ls].next) {
		if (share_owner(s, sock, s->lsocks[ls].sock))
			return ls;
	}
	return first;
}

/* The listeners' key for socket r, or NULL when r cannot belong to a listener. */
static const struct addr_key *listen_key(const struct snapshot *s, const struct sock_rec *r,
					 struct addr_key *k)
{
	if (r->family == AF_UNIX) {
		if (r->name == 0)
			return NULL;
		unix_key_make(k, s, r);
	} else {
		addr_key_sock(k, s, r, 0, r->sport);
	}
	return k;
}

/* Record listening socket i; its row when shown. */
static void add_listener(struct snapshot *s, const struct filter *f, uint32_t i)
{
	const struct sock_rec *r = &s->socks.v[i];
	struct addr_key k;
	struct listen_sock *ls;
	uint32_t *slot, idx, t;
	int isnew;

	if (listen_key(s, r, &k) == NULL)
		return;
	if (r->family != AF_UNIX && r->netns == 0) {
		s->listen_ports[r->proto][r->sport >> 3] |= (uint8_t)(1u << (r->sport & 7));
	} else if (r->family != AF_UNIX) {
		struct nsport_key pk = nsport_key_make(r, 0, r->sport);

		hmap_put(&s->nsport_set, &pk, NULL);
	}
	s->lsocks = xgrow(s->lsocks, &s->lsockcap, s->nlsocks + 1, sizeof *s->lsocks);
	idx = (uint32_t)s->nlsocks++;
	ls = &s->lsocks[idx];
	ls->sock = i;
	ls->row = NONE;
	ls->next = NONE;
	ls->conns = 0;
	s->rel[i].listener = idx;
	slot = hmap_put(&s->listen_map, &k, &isnew);
	if (isnew) {
		*slot = idx;
	} else {
		/* Keep the dump's order: the first listener of an address takes the rest. */
		for (t = *slot; s->lsocks[t].next != NONE; t = s->lsocks[t].next)
			;
		s->lsocks[t].next = idx;
	}
	if (!snapshot_sock_shown(s, f, i))
		return;
	s->listeners =
		xgrow(s->listeners, &s->listenercap, s->nlisteners + 1, sizeof *s->listeners);
	ls->row = (uint32_t)s->nlisteners;
	s->listeners[s->nlisteners].sock = i;
	s->listeners[s->nlisteners].connections = 0;
	s->listeners[s->nlisteners].group = ls->row;
	for (t = *slot; t != idx; t = s->lsocks[t].next) {
		if (s->lsocks[t].row != NONE) {
			s->listeners[s->nlisteners].group = s->lsocks[t].row;
			break;
		}
	}
	s->nlisteners++;
}

static void build_listeners(struct snapshot *s, const struct filter *f)
{
	struct hmap *h = &s->listen_map;
	struct addr_key k;
	size_t i;

	static_assert(sizeof(struct addr_key) == 24, "addr_key has no padding");
	static_assert(sizeof(struct nsport_key) == 8, "nsport_key has no padding");
	hmap_clear(h);
	hmap_clear(&s->nsport_set);
	memset(s->listen_ports, 0, sizeof s->listen_ports);
	for (i = 0; i < s->socks.n; i++) {
		if (is_listener(&s->socks.v[i]))
			add_listener(s, f, (uint32_t)i);
	}
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		uint32_t *slot = NULL, ls;

		if (r->proto == SP_TCP) {
			/* Most sockets are on a port nobody listens on: no lookup for them. */
			if (r->state == TS_LISTEN || !port_listening(s, r))
				continue;
			addr_key_sock(&k, s, r, 0, r->sport);
			slot = hmap_get(h, &k);
			if (slot == NULL) {
				addr_key_make(&k, r, NULL, r->sport);
				slot = hmap_get(h, &k);
			}
		} else if (r->family == AF_UNIX && r->name != 0 && r->state != TS_LISTEN) {
			slot = hmap_get(h, listen_key(s, r, &k));
		}
		if (slot == NULL)
			continue;
		ls = pick_listener(s, *slot, (uint32_t)i);
		s->rel[i].listener = ls;
		if (r->state == TS_ESTABLISHED && r->match)
			s->lsocks[ls].conns++;
	}
	for (i = 0; i < s->nlsocks; i++) {
		const struct listen_sock *ls = &s->lsocks[i];
		const struct sock_rec *r = &s->socks.v[ls->sock];

		if (ls->row == NONE)
			continue;
		s->listeners[ls->row].connections =
			r->proto == SP_UDP || r->proto == SP_UDPLITE ? NONE : ls->conns;
	}
}

struct row_pid {
	uint32_t row;
	uint32_t pid;
};

static int row_pid_cmp(const void *a, const void *b)
{
	const struct row_pid *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/*
 * Ports: a socket whose local port has a listener of its protocol counts
 * inbound on that port; any other counts outbound on its remote port.
 */
/* What a port row saw last: most sockets of a row share their peer and owner. */
struct row_last {
	uint32_t peer[2]; /* family, remote address (an IPv6 one by its index: unique) */
	uint32_t pid;
	uint8_t has_peer, has_pid;
};

static void build_ports(struct snapshot *s, const struct filter *f)
{
	struct hmap *peers = &s->peer_set, *pidset = &s->pid_set;
	struct row_pid *pairs = NULL;
	struct row_last *last = NULL;
	size_t npairs = 0, paircap = 0, lastcap = 0, i;
	/* hoisted: the loop runs once per socket */
	int isnew, filtered = filter_active(f) || s->expr != NULL;

	hmap_clear(peers);
	hmap_clear(pidset);
	hmap_clear(&s->port_map);
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		uint32_t *slot, row, l, one;
		uint8_t dir;
		uint16_t port;

		if (r->family == AF_UNIX || is_listener(r))
			continue;
		if (r->proto != SP_TCP && r->state != TS_ESTABLISHED)
			continue;
		if (filtered && !snapshot_sock_shown(s, f, (uint32_t)i))
			continue;
		if (port_listening(s, r)) {
			dir = PORT_IN;
			port = r->sport;
		} else {
			dir = PORT_OUT;
			port = r->dport;
			if (port == 0)
				continue;
		}
		if (r->netns == 0) {
			slot = &s->port_rows[((size_t)r->proto * 2 + dir) * 65536 + port];
		} else {
			struct nsport_key pk = nsport_key_make(r, dir, port);

			slot = hmap_put(&s->port_map, &pk, NULL);
		}
		if (*slot == 0) {
			struct port_row *pr;

			s->ports = xgrow(s->ports, &s->portcap, s->nports + 1, sizeof *s->ports);
			last = xgrow(last, &lastcap, s->nports + 1, sizeof *last);
			pr = &s->ports[s->nports];
			memset(pr, 0, sizeof *pr);
			memset(&last[s->nports], 0, sizeof *last);
			pr->netns = r->netns;
			pr->port = port;
			pr->proto = r->proto;
			pr->dir = dir;
			*slot = (uint32_t)++s->nports;
		}
		row = *slot - 1;
		s->rel[i].port = row;
		s->ports[row].total++;
		s->ports[row].states[state_index(r->state)]++;
		if (!last[row].has_peer || last[row].peer[0] != r->family ||
		    last[row].peer[1] != r->da) {
			uint32_t peerkey[3] = { row, r->family, r->da };

			hmap_put(peers, peerkey, &isnew);
			if (isnew)
				s->ports[row].peers++;
			last[row].peer[0] = r->family;
			last[row].peer[1] = r->da;
			last[row].has_peer = 1;
		}
		/*
		 * Its owners' pids. One owner: the join said which, and no link is
		 * followed (the links are in the processes' order, the sockets in the
		 * kernel's: each would miss the cache).
		 */
		one = s->rel[i].proc;
		l = one < REL_OWNERS ? NONE : sock_owner_first(s, (uint32_t)i);
		for (;;) {
			struct row_pid rp = { row, 0 };

			if (one < REL_OWNERS) {
				rp.pid = (uint32_t)s->procs.v[one].pid;
				one = NONE;
			} else if (l != NONE) {
				rp.pid = (uint32_t)s->procs.v[owner_proc(s, l)].pid;
				l = sock_owner_next(s, l);
			} else {
				break;
			}
			if (last[row].has_pid && last[row].pid == rp.pid)
				continue;
			last[row].pid = rp.pid;
			last[row].has_pid = 1;
			hmap_put(pidset, &rp, &isnew);
			if (!isnew)
				continue;
			pairs = xgrow(pairs, &paircap, npairs + 1, sizeof *pairs);
			pairs[npairs++] = rp;
		}
	}
	/* Forget this refresh's rows: the table is indexed, not cleared whole. */
	for (i = 0; i < s->nports; i++) {
		const struct port_row *pr = &s->ports[i];

		if (pr->netns == 0)
			s->port_rows[((size_t)pr->proto * 2 + pr->dir) * 65536 + pr->port] = 0;
	}
	if (npairs > 0)
		qsort(pairs, npairs, sizeof *pairs, row_pid_cmp);
	s->pids = xgrow(s->pids, &s->pidcap, npairs, sizeof *s->pids);
	s->npids = npairs;
	for (i = 0; i < npairs; i++) {
		struct port_row *pr = &s->ports[pairs[i].row];

		if (pr->pid_n == 0)
			pr->pid_off = (uint32_t)i;
		pr->pid_n++;
		s->pids[i] = pairs[i].pid;
	}
	free(pairs);
	free(last);
}

/*
 * The socket fds of shown processes that no dump reported: the links that
 * were never counted. Only processes with some are walked, each until all
 * of its are found, so a refresh where every socket is listed costs nothing.
 */
static void list_unlisted(struct snapshot *s)
{
	const struct proc_table *pt = &s->procs;
	size_t p, i;

	s->nunlisted = 0;
	for (p = 0; p < pt->n; p++) {
		const struct proc_rec *pr = &pt->v[p];
		const struct proc_stats *ps = &s->pstats[p];
		uint32_t l = ps->link0, found = 0;

		if (ps->other == 0 || !ps->shown || !pr->fd_readable)
			continue;
		for (i = 0; i < pr->ino_n && found < ps->other; i++) {
			uint32_t ino = pt->inodes[pr->ino_off + i];
			struct unlisted_sock *u;

			if (ino == 0)
				continue;
			if (s->links[l++].counted)
				continue;
			s->unlisted = xgrow(s->unlisted, &s->unlistedcap, s->nunlisted + 1,
					    sizeof *s->unlisted);
			u = &s->unlisted[s->nunlisted++];
			u->inode = ino;
			u->proc = (uint32_t)p;
			u->proto = UL_UNASKED;
			u->kind = UL_UNKNOWN;
			found++;
		}
	}
}

/* Whether both dumps of a protocol (IPv4 and IPv6) worked this refresh. */
static int dumped(const struct snapshot *s, enum diag_dump v4, enum diag_dump v6)
{
	return s->diag.err[v4] == 0 && s->diag.err[v6] == 0;
}

static uint8_t unlisted_kind(const struct snapshot *s, const struct unlisted_sock *u)
{
	/* Not in a dump of its namespace's tables: nothing is known of its state. */
	if (!s->netns[s->pstats[u->proc].netns].dumped)
		return u->proto == UL_UNASKED ? UL_UNKNOWN : UL_OTHER;
	switch (u->proto) {
	case UL_UNASKED:
		return UL_UNKNOWN;
	case SP_TCP:
		return dumped(s, DD_TCP4, DD_TCP6) ? UL_DEAD : UL_OTHER;
	case SP_UDP:
		return dumped(s, DD_UDP4, DD_UDP6) ? UL_UNBOUND : UL_OTHER;
	case SP_UDPLITE:
		return dumped(s, DD_UDPLITE4, DD_UDPLITE6) ? UL_UNBOUND : UL_OTHER;
	default:
		return UL_OTHER;
	}
}

void snapshot_count_unlisted(struct snapshot *s)
{
	size_t i;

	/* Counted afresh if asked again; a service's dead sum follows its processes'. */
	for (i = 0; i < s->nunlisted; i++) {
		struct proc_stats *ps = &s->pstats[s->unlisted[i].proc];

		if (ps->service != NONE)
			s->services[ps->service].dead -= ps->dead;
		ps->dead = ps->unbound = 0;
	}
	for (i = 0; i < s->nunlisted; i++) {
		struct unlisted_sock *u = &s->unlisted[i];
		struct proc_stats *ps = &s->pstats[u->proc];

		u->kind = unlisted_kind(s, u);
		ps->dead += u->kind == UL_DEAD;
		ps->unbound += u->kind == UL_UNBOUND;
		if (ps->service != NONE && u->kind == UL_DEAD)
			s->services[ps->service].dead++;
	}
}

/*
 * A dump is not atomic: a socket that moves while the kernel walks its hash
 * table can be reported twice. Keep the first record of each (family,
 * protocol, cookie). The map is keyed by the cookie's low 32 bits; a
 * collision of those (4 billion sockets apart) keeps both records.
 */
static void dedupe_sockets(struct snapshot *s)
{
	size_t i, n = 0;

	u32map_clear(&s->cookie_map);
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		int isnew;
		uint32_t *slot;

		if (i + PREFETCH_AHEAD < s->socks.n)
			u32map_prefetch(&s->cookie_map,
					sock_cookie_key(&s->socks.v[i + PREFETCH_AHEAD]));
		slot = u32map_put(&s->cookie_map, sock_cookie_key(r), &isnew);

		if (!isnew) {
			const struct sock_rec *o = &s->socks.v[*slot];

			if (o->cookie == r->cookie && o->family == r->family &&
			    o->proto == r->proto)
				continue;
		} else {
			*slot = (uint32_t)n;
		}
		if (n != i)
			s->socks.v[n] = *r;
		n++;
	}
	s->socks.n = n;
}

/*
 * Each process's namespace; one that no dump covered is listed too (not
 * dumped). A process whose namespace could not be read is taken for one of
 * sockwatch's own: without the right to read it, its fds are not readable
 * either.
 */
static void place_procs(struct snapshot *s, const struct filter *f)
{
	size_t p;

	for (p = 0; p < s->procs.n; p++) {
		const struct proc_rec *pr = &s->procs.v[p];
		struct proc_stats *ps = &s->pstats[p];
		int maybe = pr->ino_n > 0 || (!pr->fd_readable && pr->fds != 0);
		uint32_t ns = pr->netns != 0 ? snapshot_add_netns(s, pr->netns, NULL, 0, 0) : 0;

		ps->netns = ns;
		ps->service = NONE;
		ps->shown = maybe && filter_match(f, pr) &&
			    (f == NULL || f->netns == 0 || s->netns[ns].ino == f->netns);
	}
}

/*
 * Each shown process's service, from its cgroup path (--service hides the
 * others); a service row for each service with a shown process.
 */
static void place_services(struct snapshot *s, const struct filter *f)
{
	const char *want = f != NULL ? f->service : NULL;
	struct strbuf name;
	size_t p;

	sb_init(&name);
	hmap_clear(&s->svc_map);
	for (p = 0; p < s->procs.n; p++) {
		const struct proc_rec *pr = &s->procs.v[p];
		struct proc_stats *ps = &s->pstats[p];
		struct service_row *sv;
		struct svc_key k;
		const char *path;
		uint32_t *slot;
		size_t len;
		int isnew;

		if (!ps->shown)
			continue;
		if (pr->cgroup == 0) {
			ps->shown = want == NULL;
			continue;
		}
		path = strpool_get(&s->procs.strs, pr->cgroup, &len);
		sb_reset(&name);
		memset(&k, 0, sizeof k);
		k.kind = (uint8_t)service_classify(path, len, &name);
		if (want != NULL &&
		    (strlen(want) != name.len || memcmp(want, name.buf, name.len))) {
			ps->shown = 0;
			continue;
		}
		k.len = (uint32_t)name.len;
		k.hash = hash_bytes(name.buf, name.len);
		slot = hmap_put(&s->svc_map, &k, &isnew);
		if (isnew) {
			s->services = xgrow(s->services, &s->servicecap, s->nservices + 1,
					    sizeof *s->services);
			sv = &s->services[s->nservices];
			memset(sv, 0, sizeof *sv);
			sv->kind = k.kind;
			sv->name = strpool_add(&s->strs, name.buf, name.len);
			sv->cgroup = pr->cgroup;
			sv->first = NONE; /* the list of its processes, below */
			*slot = (uint32_t)s->nservices++;
		}
		ps->service = *slot;
	}
	sb_fini(&name);
	/* Each service's processes as a list, in process order: built from the end. */
	for (p = s->procs.n; p-- > 0;) {
		struct proc_stats *ps = &s->pstats[p];

		ps->svc_next = NONE;
		if (ps->service == NONE)
			continue;
		ps->svc_next = s->services[ps->service].first;
		s->services[ps->service].first = (uint32_t)p;
	}
}

/* The shown processes of each namespace; a namespace without a name takes its first's service. */
static void name_netns(struct snapshot *s)
{
	size_t p;

	for (p = 0; p < s->procs.n; p++) {
		struct netns_row *n = &s->netns[s->pstats[p].netns];

		if (s->pstats[p].shown && n->procs++ == 0)
			n->first = (uint32_t)p;
	}
	for (p = 1; p < s->nnetns; p++) {
		struct netns_row *n = &s->netns[p];
		uint32_t sv;

		if (n->name != 0 || n->first == NONE)
			continue;
		sv = s->pstats[n->first].service;
		if (sv == NONE)
			continue;
		n->name = s->services[sv].name; /* the same pool: the same string */
	}
}

/* Each service's sums over its shown processes. */
static void sum_services(struct snapshot *s)
{
	size_t p, i;

	for (i = 0; i < s->nservices; i++) {
		struct service_row *sv = &s->services[i];

		sv->procs = sv->known = sv->sockets = sv->tcp = sv->udp = sv->unix_ = 0;
		sv->other = sv->dead = 0;
		sv->fds = PROC_UNKNOWN;
		memset(sv->states, 0, sizeof sv->states);
	}
	for (p = 0; p < s->procs.n; p++) {
		const struct proc_rec *pr = &s->procs.v[p];
		const struct proc_stats *ps = &s->pstats[p];
		struct service_row *sv;

		if (!ps->shown || ps->service == NONE)
			continue;
		sv = &s->services[ps->service];
		sv->procs++;
		if (pr->fds >= 0)
			sv->fds = (sv->fds < 0 ? 0 : sv->fds) + pr->fds;
		if (!pr->fd_readable)
			continue; /* its counts are unknown: the sums leave it out (known < procs)
				   */
		sv->known++;
		sv->sockets += proc_sockets(s, (uint32_t)p);
		sv->tcp += ps->tcp;
		sv->udp += ps->udp;
		sv->unix_ += ps->unix_;
		sv->other += ps->other;
		sv->dead += ps->dead;
		for (i = 0; i < TS_MAX; i++)
			sv->states[i] += ps->states[i];
	}
}

/* UNIX sockets by inode, for the peers an expression asks about (dst unix:). */
static void index_unix(struct snapshot *s)
{
	size_t i;

	u32map_clear(&s->unix_peers);
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		int isnew;
		uint32_t *slot;

		if (r->family != AF_UNIX || r->inode == 0)
			continue;
		slot = u32map_put(&s->unix_peers, r->inode, &isnew);
		if (isnew)
			*slot = (uint32_t)i;
	}
}

uint32_t snapshot_find_cookie(const struct snapshot *s, uint64_t cookie, uint8_t proto)
{
	const uint32_t *slot = u32map_get(&s->cookie_map, cookie_key(cookie));
	const struct sock_rec *r;

	if (slot == NULL)
		return NONE;
	r = &s->socks.v[*slot];
	return r->cookie == cookie && r->proto == proto ? *slot : NONE;
}

void snapshot_join(struct snapshot *s, const struct filter *f)
{
	snapshot_relate(s, f);
	snapshot_traffic(s);
}

void snapshot_relate(struct snapshot *s, const struct filter *f)
{
	size_t p, i;

	dedupe_sockets(s);
	if (s->nnetns == 0) /* a snapshot built without a collector: one namespace */
		snapshot_add_netns(s, 0, "host", 4, 1);
	/* What the join counts starts from zero: joining twice gives the same result. */
	memset(&s->totals, 0, sizeof s->totals);
	s->nlsocks = s->nlisteners = s->nports = s->npids = s->nunlisted = s->nservices = 0;
	for (i = 0; i < s->nnetns; i++) {
		s->netns[i].procs = s->netns[i].sockets = 0;
		s->netns[i].first = NONE;
	}

	s->pstats = xgrow(s->pstats, &s->pstatcap, s->procs.n, sizeof *s->pstats);
	if (s->procs.n > 0) /* none when --check did not scan /proc */
		memset(s->pstats, 0, s->procs.n * sizeof *s->pstats);
	s->expr = f != NULL ? f->expr : NULL;
	place_procs(s, f);
	place_services(s, f);
	join_owners(s);
	if (s->expr != NULL && sock_expr_uses_peers(s->expr))
		index_unix(s);
	s->totals.fds_alloc = s->procs.file_nr;
	s->totals.fds_max = s->procs.file_max;
	hmap_clear(&s->tw_map);
	s->totals.tw_peer_sock = NONE;
	s->rel = xgrow(s->rel, &s->relcap, s->socks.n, sizeof *s->rel);
	find_owners(s);
	for (i = 0; i < s->socks.n; i++) {
		struct sock_rec *r = &s->socks.v[i];

		/* Its owner's link (the sockets are in the kernel's order, the links in the
		 * processes'): fetched ahead too. */
		if (i + PREFETCH_AHEAD < s->socks.n && s->socks.v[i + PREFETCH_AHEAD].owner != NONE)
			__builtin_prefetch(&s->links[s->socks.v[i + PREFETCH_AHEAD].owner]);
		s->rel[i].listener = NONE;
		s->rel[i].port = NONE;
		s->rel[i].proc = NONE;
		/* The expression sees the owners; what it does not match counts nowhere. */
		r->match = (uint8_t)(s->expr == NULL || sock_expr_match(s->expr, s, (uint32_t)i));
		if (!r->match)
			continue;
		count_socket(s, r, (uint32_t)i);
		s->netns[r->netns].sockets++;
		count_unowned(s, r, (uint32_t)i);
	}
	for (p = 0; p < s->procs.n; p++) {
		struct proc_stats *ps = &s->pstats[p];
		uint32_t seen = ps->tcp + ps->udp + ps->unix_;
		uint32_t n = s->procs.v[p].ino_n;

		/*
		 * Under an expression a process is about the sockets it matched: a
		 * socket fd no dump listed matches none, and one without any is not shown.
		 */
		if (s->expr != NULL) {
			ps->other = 0;
			if (seen == 0)
				ps->shown = 0;
			continue;
		}
		ps->other = n > seen ? n - seen : 0;
	}
	name_netns(s);
	list_unlisted(s);
	build_listeners(s, f);
	build_ports(s, f);
	sum_services(s);
}
