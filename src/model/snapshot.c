/* snapshot.c: join sockets to their owners by inode and build the aggregates. */
#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/model.h"

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof *s);
	sock_table_init(&s->socks);
	proc_table_init(&s->procs);
	u32map_init(&s->inode_map, 1024);
	u32map_init(&s->cookie_map, 1024);
	hmap_init(&s->listen_map, 20, 256);
	s->port_rows = xcalloc((size_t)SP_UNIX_STREAM * 2 * 65536, sizeof *s->port_rows);
	hmap_init(&s->peer_set, 20, 1024);
	hmap_init(&s->pid_set, 8, 1024);
	hmap_init(&s->tw_map, 20, 256);
}

void snapshot_fini(struct snapshot *s)
{
	sock_table_fini(&s->socks);
	proc_table_fini(&s->procs);
	free(s->links);
	free(s->pstats);
	free(s->listeners);
	free(s->ports);
	free(s->pids);
	free(s->leak);
	u32map_fini(&s->inode_map);
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
	s->nlinks = s->nlisteners = s->nports = s->npids = 0;
	memset(&s->totals, 0, sizeof s->totals);
}

void snapshot_keep_leaking(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->procs.n; i++) {
		if (s->leak == NULL || s->leak[i].level == LEAK_OK)
			s->pstats[i].shown = 0;
	}
}

int filter_active(const struct filter *f)
{
	return f != NULL && (f->npids > 0 || f->uid >= 0);
}

static int filter_match(const struct filter *f, const struct proc_rec *p)
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

	if (!filter_active(f))
		return 1;
	for (l = s->socks.v[sock].owner; l != NONE; l = s->links[l].next) {
		if (s->pstats[s->links[l].proc].shown)
			return 1;
	}
	return 0;
}

static unsigned state_index(unsigned state)
{
	return state < TS_MAX ? state : 0;
}

/* Build inode -> owner links from every process's socket inodes. */
static void join_owners(struct snapshot *s)
{
	const struct proc_table *pt = &s->procs;
	size_t p, i;
	int isnew;

	u32map_clear(&s->inode_map);
	s->links = xgrow(s->links, &s->linkcap, pt->ninodes, sizeof *s->links);
	s->nlinks = 0;
	/* Backwards, so that each list (built by prepending) is in process order. */
	for (p = pt->n; p-- > 0;) {
		const struct proc_rec *pr = &pt->v[p];

		for (i = 0; i < pr->ino_n; i++) {
			uint32_t ino = pt->inodes[pr->ino_off + i];
			uint32_t *slot;

			if (ino == 0)
				continue;
			slot = u32map_put(&s->inode_map, ino, &isnew);
			struct owner_link *l = &s->links[s->nlinks];

			l->proc = (uint32_t)p;
			l->next = isnew ? NONE : *slot;
			l->counted = 0;
			*slot = (uint32_t)s->nlinks++;
		}
	}
}

/* Key of an address the way listeners are matched: family, address, port. */
struct addr_key {
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint8_t addr[16];
};

static void addr_key_make(struct addr_key *k, const struct sock_rec *r, const uint8_t *addr,
			  uint16_t port)
{
	memset(k, 0, sizeof *k);
	k->family = r->family;
	k->proto = r->proto;
	k->port = port;
	if (addr != NULL)
		memcpy(k->addr, addr, r->family == AF_INET ? 4 : 16);
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
		addr_key_make(&k, r, r->daddr, r->dport);
		n = hmap_put(&s->tw_map, &k, NULL);
		if (++*n > s->totals.tw_peer_max) {
			s->totals.tw_peer_max = *n;
			s->totals.tw_peer_sock = idx;
		}
		return;
	}
}

/* Count one socket into totals and into each owner's stats. */
static void count_socket(struct snapshot *s, struct sock_rec *r)
{
	uint32_t *slot, l;

	s->totals.sockets++;
	if (r->proto < SP_COUNT)
		s->totals.proto[r->proto]++;
	if (r->proto == SP_TCP)
		s->totals.tcp_states[state_index(r->state)]++;
	r->owner = NONE;
	if (r->inode == 0)
		return;
	slot = u32map_get(&s->inode_map, r->inode);
	if (slot == NULL)
		return;
	r->owner = *slot;
	for (l = *slot; l != NONE; l = s->links[l].next) {
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
	k->family = AF_UNIX;
	k->proto = r->proto;
	memcpy(k->addr, &h, sizeof h);
	memcpy(k->addr + 8, &len, sizeof(uint32_t));
}

/*
 * Listeners and their connections: an ESTABLISHED socket belongs to the
 * listener bound to its exact local address and port, or else to the
 * wildcard listener of its family on that port (a v4-mapped address is an
 * AF_INET6 socket, so "::" catches it).
 */
static int port_listening(const struct snapshot *s, const struct sock_rec *r)
{
	return r->proto < SP_UNIX_STREAM && (s->listen_ports[r->proto][r->sport >> 3] >> (r->sport & 7) & 1);
}

static void build_listeners(struct snapshot *s, const struct filter *f)
{
	struct hmap *h = &s->listen_map;
	struct addr_key k;
	size_t i;
	int isnew;

	static_assert(sizeof(struct addr_key) == 20, "addr_key is listen_map's key");
	hmap_clear(h);
	memset(s->listen_ports, 0, sizeof s->listen_ports);
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];

		if (!is_listener(r))
			continue;
		if (r->family == AF_UNIX) {
			if (r->name == 0)
				continue;
			unix_key_make(&k, s, r);
		} else {
			addr_key_make(&k, r, r->saddr, r->sport);
			s->listen_ports[r->proto][r->sport >> 3] |= (uint8_t)(1u << (r->sport & 7));
		}
		*hmap_put(h, &k, &isnew) = 0;
		if (!snapshot_sock_shown(s, f, (uint32_t)i))
			continue;
		s->listeners = xgrow(s->listeners, &s->listenercap, s->nlisteners + 1,
				     sizeof *s->listeners);
		s->listeners[s->nlisteners].sock = (uint32_t)i;
		s->listeners[s->nlisteners].connections = 0;
		s->nlisteners++;
	}
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		uint32_t *slot;

		if (r->state != TS_ESTABLISHED)
			continue;
		if (r->proto == SP_TCP) {
			/* Most sockets are on a port nobody listens on: no lookup for them. */
			if (!port_listening(s, r))
				continue;
			addr_key_make(&k, r, r->saddr, r->sport);
			slot = hmap_get(h, &k);
			if (slot == NULL) {
				addr_key_make(&k, r, NULL, r->sport);
				slot = hmap_get(h, &k);
			}
		} else if (r->family == AF_UNIX && r->name != 0) {
			unix_key_make(&k, s, r);
			slot = hmap_get(h, &k);
		} else {
			continue;
		}
		if (slot != NULL)
			(*slot)++;
	}
	for (i = 0; i < s->nlisteners; i++) {
		const struct sock_rec *r = &s->socks.v[s->listeners[i].sock];

		if (r->proto == SP_UDP || r->proto == SP_UDPLITE) {
			s->listeners[i].connections = NONE;
			continue;
		}
		if (r->family == AF_UNIX)
			unix_key_make(&k, s, r);
		else
			addr_key_make(&k, r, r->saddr, r->sport);
		s->listeners[i].connections = *hmap_get(h, &k);
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
	uint8_t peer[16];
	uint32_t pid;
	uint8_t has_peer, has_pid;
};

static void build_ports(struct snapshot *s, const struct filter *f)
{
	struct hmap *peers = &s->peer_set, *pidset = &s->pid_set;
	struct row_pid *pairs = NULL;
	struct row_last *last = NULL;
	size_t npairs = 0, paircap = 0, lastcap = 0, i;
	int isnew;

	hmap_clear(peers);
	hmap_clear(pidset);
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		uint32_t *slot, row, l;
		uint8_t dir, peerkey[20];
		uint16_t port;

		if (r->family == AF_UNIX || is_listener(r))
			continue;
		if (r->proto != SP_TCP && r->state != TS_ESTABLISHED)
			continue;
		if (!snapshot_sock_shown(s, f, (uint32_t)i))
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
		slot = &s->port_rows[((size_t)r->proto * 2 + dir) * 65536 + port];
		if (*slot == 0) {
			struct port_row *pr;

			s->ports = xgrow(s->ports, &s->portcap, s->nports + 1, sizeof *s->ports);
			last = xgrow(last, &lastcap, s->nports + 1, sizeof *last);
			pr = &s->ports[s->nports];
			memset(pr, 0, sizeof *pr);
			memset(&last[s->nports], 0, sizeof *last);
			pr->port = port;
			pr->proto = r->proto;
			pr->dir = dir;
			*slot = (uint32_t)++s->nports;
		}
		row = *slot - 1;
		s->ports[row].total++;
		s->ports[row].states[state_index(r->state)]++;
		if (!last[row].has_peer || memcmp(last[row].peer, r->daddr, 16) != 0) {
			memcpy(peerkey, &row, 4);
			memcpy(peerkey + 4, r->daddr, 16);
			hmap_put(peers, peerkey, &isnew);
			if (isnew)
				s->ports[row].peers++;
			memcpy(last[row].peer, r->daddr, 16);
			last[row].has_peer = 1;
		}
		for (l = r->owner; l != NONE; l = s->links[l].next) {
			struct row_pid rp = { row, (uint32_t)s->procs.v[s->links[l].proc].pid };

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
		uint32_t key = (uint32_t)r->cookie ? (uint32_t)r->cookie : 0x80000000u;
		int isnew;
		uint32_t *slot = u32map_put(&s->cookie_map, key, &isnew);

		if (!isnew) {
			const struct sock_rec *o = &s->socks.v[*slot];

			if (o->cookie == r->cookie && o->family == r->family && o->proto == r->proto)
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

void snapshot_join(struct snapshot *s, const struct filter *f)
{
	size_t p, i;

	dedupe_sockets(s);

	s->pstats = xgrow(s->pstats, &s->pstatcap, s->procs.n, sizeof *s->pstats);
	memset(s->pstats, 0, s->procs.n * sizeof *s->pstats);
	for (p = 0; p < s->procs.n; p++) {
		const struct proc_rec *pr = &s->procs.v[p];
		int maybe = pr->ino_n > 0 || (!pr->fd_readable && pr->fds != 0);

		s->pstats[p].shown = maybe && filter_match(f, pr);
	}
	join_owners(s);
	s->totals.fds_alloc = s->procs.file_nr;
	s->totals.fds_max = s->procs.file_max;
	hmap_clear(&s->tw_map);
	s->totals.tw_peer_sock = NONE;
	for (i = 0; i < s->socks.n; i++) {
		count_socket(s, &s->socks.v[i]);
		count_unowned(s, &s->socks.v[i], (uint32_t)i);
	}
	for (p = 0; p < s->procs.n; p++) {
		struct proc_stats *ps = &s->pstats[p];
		uint32_t seen = ps->tcp + ps->udp + ps->unix_;
		uint32_t n = s->procs.v[p].ino_n;

		ps->other = n > seen ? n - seen : 0;
	}
	build_listeners(s, f);
	build_ports(s, f);
}
