/* model.h: a snapshot joins sockets to processes and aggregates them. No I/O. */
#ifndef SOCKWATCH_MODEL_H
#define SOCKWATCH_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sockwatch/diag.h"
#include "sockwatch/proc.h"
#include "sockwatch/util.h"

#define NONE UINT32_MAX

/* One (socket, owning process) pair; a socket's owners form a list. */
struct owner_link {
	uint32_t proc;	  /* index in snapshot.procs.v */
	uint32_t next;	  /* next link of the same inode, NONE at the end */
	uint32_t counted; /* 1 once a dump record was counted for this pair */
};

/*
 * The traffic of a set of TCP sockets (traffic.c): the sums of the rates of
 * those that have one, and the RTT of the established ones. UDP and UNIX
 * sockets have no such counters and add nothing.
 */
struct traffic {
	double rx, tx;	  /* bytes per second received, and sent and acknowledged */
	double retr;	  /* segments retransmitted per second */
	uint32_t rated;	  /* its sockets with a rate; 0: the rates are unknown */
	uint32_t rtt_n;	  /* its established sockets with tcp_info; 0: RTT unknown */
	double rtt_med;	  /* µs: the median of their RTTs */
	uint32_t rtt_max; /* µs: the largest */
	uint32_t rtt_min; /* µs: the smallest (the median of one or two) */
};

struct proc_stats {
	uint32_t tcp, udp, unix_;
	uint32_t other;	  /* socket fds no dump listed: dead + unbound + the rest */
	uint32_t dead;	  /* of those, TCP sockets the kernel no longer lists (UL_DEAD) */
	uint32_t unbound; /* of those, UDP and UDP-Lite sockets never bound (UL_UNBOUND) */
	uint32_t link0;	  /* its first owner link; its links follow in the order of its inodes */
	uint32_t states[TS_MAX];
	uint32_t netns;	   /* index in snapshot.netns (a process of unknown namespace: 0) */
	uint32_t service;  /* index in snapshot.services, NONE when its cgroup is unknown */
	uint32_t svc_next; /* the next process of its service (service_row.first starts), NONE */
	uint8_t shown;	   /* passes the filter and has (or may have) sockets */
	struct traffic traffic; /* of the sockets it holds */
};

/*
 * What a socket fd that no dump listed is. The kernel lists every UNIX socket
 * and every hashed TCP and UDP socket; a TCP socket drops out when it reaches
 * CLOSE (a reset, often the peer's answer to data sent after it closed; a
 * timeout; a failed connect) and is then indistinguishable from one never
 * connected (never bound, or bound only); a UDP socket only when unbound.
 */
enum unlisted_kind {
	UL_UNKNOWN, /* its protocol is not known yet (asked at the next refresh) */
	UL_OTHER,   /* a protocol no dump covers (netlink, packet, raw, ...), a UNIX socket
		     * opened after the dump, or a protocol whose dump failed */
	UL_DEAD,    /* TCP, in no dump: closed by the kernel, or never connected */
	UL_UNBOUND, /* UDP or UDP-Lite, in no dump: never bound */
};

#define UL_UNASKED 0xff /* unlisted_sock.proto: not asked yet */

/* A socket fd of a shown process that no dump listed (snapshot.unlisted). */
struct unlisted_sock {
	uint32_t inode;
	uint32_t proc; /* index in procs.v */
	uint8_t proto; /* enum sock_proto from /proc, SP_COUNT: another one, UL_UNASKED */
	uint8_t kind;  /* enum unlisted_kind, from proto (snapshot_count_unlisted) */
};

struct listener {
	uint32_t sock;		/* index in snapshot.socks.v */
	uint32_t connections;	/* ESTABLISHED sockets counted for it; NONE: n/a (UDP) */
	uint32_t group;		/* first shown row on the same address and port (SO_REUSEPORT) */
	struct traffic traffic; /* of the connections counted for it */
};

/*
 * Every listening socket of the dump, shown or not: what sockets are credited
 * to (a socket's listener must exist even when -p hides the listener's row).
 */
struct listen_sock {
	uint32_t sock;	/* index in snapshot.socks.v */
	uint32_t row;	/* index in snapshot.listeners, NONE when not shown */
	uint32_t next;	/* next listener on the same address and port (SO_REUSEPORT), NONE */
	uint32_t conns; /* ESTABLISHED sockets credited to it */
};

/* What the join decided for one socket (parallel to socks.v). */
struct sock_rel {
	uint32_t listener; /* index in snapshot.lsocks of the listener it is counted for, NONE */
	uint32_t port;	   /* index in snapshot.ports of its port row, NONE */
	/* The owner it counts for when it has one only (index in procs.v), REL_OWNERS when
	 * more, NONE when none or when another record of its inode counted (dup): what the
	 * traffic sums read, so that they follow no owner link per socket. */
	uint32_t proc;
};
#define REL_OWNERS (UINT32_MAX - 1)

enum port_dir { PORT_IN, PORT_OUT };

struct port_row {
	uint16_t netns; /* index in snapshot.netns: a port is a row per namespace */
	uint16_t port;
	uint8_t proto; /* enum sock_proto */
	uint8_t dir;   /* enum port_dir */
	uint32_t total;
	uint32_t states[TS_MAX];
	uint32_t peers;	  /* distinct remote addresses */
	uint32_t pid_off; /* range in snapshot.pids */
	uint32_t pid_n;
	struct traffic traffic; /* of its sockets */
};

struct totals {
	uint32_t sockets;
	uint32_t proto[SP_COUNT];
	uint32_t tcp_states[TS_MAX];
	int64_t fds_alloc; /* PROC_UNKNOWN when unreadable */
	int64_t fds_max;
	uint32_t orphans;	  /* TCP sockets their owner closed, still finishing (inode 0) */
	uint32_t tw_peer_max;	  /* most TIME_WAIT sockets toward one remote address and port */
	uint32_t tw_peer_sock;	  /* one of them (index in socks.v), NONE if there are none */
	int64_t overflows_window; /* ListenOverflows over the leak window, PROC_UNKNOWN */
	int64_t drops_window;	  /* ListenDrops over the leak window, PROC_UNKNOWN */
	struct traffic traffic;	  /* of every socket counted */
};

/* UNIX sockets of every type (stream, datagram, seqpacket): the "unix" every output shows. */
static inline uint32_t totals_unix(const struct totals *t)
{
	return t->proto[SP_UNIX_STREAM] + t->proto[SP_UNIX_DGRAM] + t->proto[SP_UNIX_SEQPACKET];
}

enum leak_level { LEAK_OK, LEAK_WARNING, LEAK_CRITICAL };

enum leak_reason {
	LR_GROWTH = 1 << 0,
	LR_CLOSE_WAIT = 1 << 1,
	LR_FD_LIMIT = 1 << 2,
	LR_ACCEPT_QUEUE = 1 << 3,
	LR_DEAD_SOCKETS = 1 << 4,
};
#define LR_COUNT 5 /* reasons; each table of them is checked against this */

/* What the leak detector (leak.h) says of one process. */
struct leak_verdict {
	uint8_t level;	       /* enum leak_level */
	uint8_t reasons;       /* enum leak_reason bits */
	uint8_t has_growth;    /* growth_per_min is an estimate */
	uint8_t has_eta;       /* eta_seconds is an estimate */
	double growth_per_min; /* sockets per minute over the window */
	double eta_seconds;    /* until fds reach the soft limit */
	uint32_t cw_old;       /* CLOSE_WAIT sockets older than the minimum age */
	uint32_t dead_old;     /* dead socket fds (UL_DEAD) dead for longer than the minimum age */
	uint32_t queue_full;   /* its listeners with a full or overflowed accept queue */
};

/* Growth of a cumulative counter over a window (ListenOverflows, ListenDrops). */
#define TREND_LEN 256
struct trend {
	double t[TREND_LEN];
	int64_t v[TREND_LEN];
	size_t head, n;
};
void trend_init(struct trend *tr);
int64_t trend_update(struct trend *tr, double now, int64_t v, double window);

/* Which processes a run is about: -p, -u, --service; --netns for sockets too. */
struct filter {
	int *pids;
	size_t npids;
	int64_t uid;	     /* -1: any */
	uint32_t netns;	     /* inode of the one network namespace shown; 0: every one */
	const char *service; /* only the processes of this service (its name); NULL: any */
	/*
	 * A filter expression (expr.h), NULL: none. It narrows the sockets: only
	 * those it matches are counted, in the totals, the processes, services,
	 * listeners and ports; a process is shown when it holds one of them.
	 */
	const struct sock_expr *expr;
};

/*
 * A network namespace of this refresh. Index 0 is sockwatch's own (the host's,
 * unless sockwatch itself runs in a container); the collector adds the others
 * it dumped, the join those its processes are in but that were not dumped.
 */
struct netns_row {
	uint32_t ino;	  /* the namespace's inode (/proc/PID/ns/net), 0: unknown */
	uint32_t name;	  /* offset in snapshot.strs: its `ip netns` name, else the service of its
			   * first process, "host" for sockwatch's own; 0: none known */
	uint8_t named;	  /* name is an `ip netns` name */
	uint8_t dumped;	  /* its sockets were dumped this refresh (else its processes' socket
			   * fds are not known to be dead or unbound) */
	uint32_t procs;	  /* shown processes in it */
	uint32_t first;	  /* its first process (index in procs.v), NONE */
	uint32_t sockets; /* sockets the dumps listed in it */
};

/*
 * A service: the processes of one systemd unit, container or cgroup (service.h
 * classifies a cgroup path). Its sums cover its shown processes.
 */
struct service_row {
	uint8_t kind;	  /* enum service_kind */
	uint32_t name;	  /* offset in snapshot.strs */
	uint32_t cgroup;  /* offset in procs.strs: the cgroup path of its first process */
	uint32_t procs;	  /* its shown processes */
	uint32_t known;	  /* of them, those whose fd table was read (the sums are theirs) */
	uint32_t first;	  /* its first process (index in procs.v): see service_proc_next */
	uint32_t sockets; /* distinct socket inodes summed over its processes */
	uint32_t tcp, udp, unix_, other, dead;
	int64_t fds; /* summed over the processes whose count is known; PROC_UNKNOWN: none */
	uint32_t states[TS_MAX];
	struct traffic traffic; /* of its distinct sockets */
};

/*
 * What a join uses only while it runs, kept for the next one: two snapshots
 * that are never joined at once (the TUI's) share it (snapshot_share_scratch).
 * At a million sockets the inode map is 16 MiB and the RTT buffers 8.
 */
struct join_scratch {
	struct u32map inodes; /* inode -> first owner link */
	uint32_t *tr_sorted;  /* the RTT medians: one kind's RTTs, row by row */
	uint32_t *tr_off;     /* where each row's RTTs go on in tr_sorted */
	uint32_t *tr_rtt;     /* parallel to socks.v: the RTT the medians take, or UINT32_MAX */
	size_t tr_rttcap;
	size_t tr_sortcap, tr_offcap;
};

struct snapshot {
	struct sock_table socks;
	struct proc_table procs;
	struct diag_status diag;
	struct proc_sys sys;  /* system-wide limits and counters */
	struct timespec time; /* CLOCK_REALTIME when the dump started */

	struct owner_link *links;
	size_t nlinks, linkcap;
	struct proc_stats *pstats; /* parallel to procs.v */
	size_t pstatcap;
	struct sock_rel *rel; /* parallel to socks.v */
	size_t relcap;
	struct listen_sock *lsocks;
	size_t nlsocks, lsockcap;
	struct listener *listeners; /* the listen view's rows: the shown listeners */
	size_t nlisteners, listenercap;
	struct port_row *ports;
	size_t nports, portcap;
	uint32_t *pids;
	size_t npids, pidcap;
	/* The shown processes' unlisted socket fds, by process, in the order of its inodes. */
	struct unlisted_sock *unlisted;
	size_t nunlisted, unlistedcap;
	struct totals totals;
	struct leak_verdict *leak;     /* parallel to procs.v when the detector runs, else NULL */
	struct leak_verdict *svc_leak; /* parallel to services when the detector runs, else NULL */
	size_t svcleakcap;
	struct netns_row *netns;
	size_t nnetns, netnscap;
	struct service_row *services;
	size_t nservices, servicecap;
	struct strpool strs;   /* names of namespaces and services */
	uint8_t procs_scanned; /* procs holds a /proc scan (--check may go without) */
	uint32_t now_ds;       /* this refresh, deciseconds into the run; 0: ages not kept */
	double refresh_s;      /* how long the collector took for this refresh (wall, seconds) */
	uint64_t refreshes;    /* refreshes of the collector so far, this one included */
	uint32_t first_ds;     /* the run's first refresh: sockets seen then predate it */
	size_t leakcap;

	/* Hash tables of the aggregation passes, kept across refreshes. */
	struct u32map cookie_map; /* cookie's low 32 bits -> socket (duplicates in a dump) */
	struct hmap listen_map;	  /* (netns, family, proto, address, port) -> first lsocks index */
	uint8_t listen_ports[SP_UNIX_STREAM][65536 / 8]; /* netns 0's ports with a listener */
	uint32_t *port_rows;	  /* [proto][direction][port] -> port row + 1 (0: none) */
	struct hmap peer_set;	  /* (port row, remote address) */
	struct hmap pid_set;	  /* (port row, pid) */
	struct hmap tw_map;	  /* (netns, family, remote address, port) -> TIME_WAIT count */
	struct hmap port_map;	  /* (netns, proto, direction, port) -> port row + 1, netns > 0 */
	struct hmap nsport_set;	  /* (netns, proto, port) with a listener, netns > 0 */
	struct hmap svc_map;	  /* (kind, name hash, length) -> service row */
	struct u32map ns_map;	  /* namespace inode -> index in netns */
	struct u32map unix_peers; /* UNIX socket inode -> socket, when the expression asks */
	const struct sock_expr *expr; /* the filter expression of the join, NULL: none */

	/* Traffic: set by the collector after snapshot_relate, summed by snapshot_traffic. */
	uint8_t tcp_info;    /* the TCP dumps asked for tcp_info */
	double traffic_dt;   /* seconds the socket rates are over; 0: none has a rate */
	uint32_t tcp_closed; /* TCP sockets of the last refresh with no tcp_info now (closed
			      * or TIME_WAIT): their bytes since the last sample are not seen */
	struct join_scratch *scratch; /* own_scratch, or another snapshot's */
	struct join_scratch own_scratch;
};

/*
 * The totals a dump alone gives (sockets per protocol, TCP states) into t, before
 * any join: what the TUI shows while the first refresh reads /proc. No filter.
 */
void snapshot_count_dump(const struct snapshot *s, struct totals *t);
void snapshot_init(struct snapshot *s);
/*
 * s's joins use the scratch of with (the inode map, a key and a value per
 * socket inode, and the RTT medians' buffers, 8 bytes a socket): for a caller
 * that alternates two snapshots and never joins both at once (the TUI). with
 * must be finished after s.
 */
void snapshot_share_scratch(struct snapshot *s, struct snapshot *with);
void snapshot_fini(struct snapshot *s);
/* Forget the last refresh's data (keeps allocations). */
void snapshot_reset(struct snapshot *s);
/*
 * Join socks and procs (already filled) and compute every aggregate; list the
 * socket fds of shown processes that no dump reported in s->unlisted (proto
 * UL_UNASKED) for the collector to ask about.
 */
void snapshot_join(struct snapshot *s, const struct filter *f);
/* The join without the traffic sums: the collector sets the rates in between. */
void snapshot_relate(struct snapshot *s, const struct filter *f);
/*
 * The socket of this cookie and protocol after the join (index in socks.v),
 * NONE when it has none (or, after 2^32 sockets, when an earlier socket's cookie
 * has the same low 32 bits); for the dump's own duplicates, the one kept.
 */
uint32_t snapshot_find_cookie(const struct snapshot *s, uint64_t cookie, uint8_t proto);
/*
 * Once the unlisted sockets' protocols are set: their kinds, and each process's
 * dead and unbound counts. A protocol whose dump failed this refresh is UL_OTHER.
 */
void snapshot_count_unlisted(struct snapshot *s);

/* A resource against its limit: LEAK_WARNING from 80%, LEAK_CRITICAL from 95%. */
unsigned pressure_level(int64_t used, int64_t max);
/*
 * Machine-wide pressure: open files against fs.file-max (ENFILE), orphans
 * against tcp_max_orphans, TIME_WAIT toward one peer against the ephemeral
 * port range. Its level; each resource over 80% is appended to why (if not NULL).
 */
unsigned system_pressure(const struct snapshot *s, struct strbuf *why);

/*
 * Relations. The join alone decides what belongs to what; every other layer
 * asks through these calls and never re-derives a rule.
 */

/* The kinds of rows the model has: what a view lists and a drill-down is about. */
enum row_kind { ROW_PROC, ROW_LISTENER, ROW_PORT, ROW_SOCKET, ROW_SERVICE, ROW_KIND_COUNT };

/* A row's identity across refreshes: never an index or a pointer. */
struct row_key {
	uint64_t a, b;
};

struct row_key model_row_key(const struct snapshot *s, enum row_kind k, uint32_t row);
/* The row of kind k with this key in s, or NONE. */
uint32_t model_row_find(const struct snapshot *s, enum row_kind k, struct row_key key);
int row_key_eq(struct row_key x, struct row_key y);

/*
 * The owners of socket sock, in process order:
 *	for (l = sock_owner_first(s, sock); l != NONE; l = sock_owner_next(s, l))
 *		proc = owner_proc(s, l);
 */
static inline uint32_t sock_owner_first(const struct snapshot *s, uint32_t sock)
{
	return s->socks.v[sock].owner;
}
static inline uint32_t sock_owner_next(const struct snapshot *s, uint32_t link)
{
	return s->links[link].next;
}
static inline uint32_t owner_proc(const struct snapshot *s, uint32_t link)
{
	return s->links[link].proc;
}
/* The first owner of a socket (index in procs.v), or NONE. */
static inline uint32_t sock_owner(const struct snapshot *s, uint32_t sock)
{
	uint32_t l = sock_owner_first(s, sock);

	return l == NONE ? NONE : owner_proc(s, l);
}
/* Whether process proc (index in procs.v) holds socket sock. */
int sock_owned_by(const struct snapshot *s, uint32_t sock, uint32_t proc);
/* What a socket's age counts from (sock_age). */
enum age_source {
	AGE_SEEN,  /* since sockwatch first saw the socket (its cookie) */
	AGE_STATE, /* since it entered its state, as the kernel tells */
};
/*
 * A socket's age in seconds: the time it has been in its state where the
 * kernel tells (TCP TIME_WAIT: how long its 60 s timer has run; CLOSE_WAIT:
 * tcp_info's time since the peer's FIN, within the last ACK and the last
 * data received), else the time since sockwatch first saw it. 1 when exact,
 * 0 when only a lower bound (the timer may have been restarted, the bounds
 * differ, or the socket was there at the first refresh), -1 when unknown
 * (ages not kept, or a lower bound of nothing: the first refresh, or under
 * a tenth of a second). *src, unless NULL, says which of the two it is.
 */
int sock_age(const struct snapshot *s, uint32_t sock, double *seconds, enum age_source *src);
/* The listener socket sock is counted for, as an index in socks.v, or NONE. */
uint32_t sock_listener_sock(const struct snapshot *s, uint32_t sock);
/* Its row in s->listeners (NONE when it has none or that row is not shown). */
uint32_t sock_listener_row(const struct snapshot *s, uint32_t sock);
/* Its row in s->ports, or NONE. */
uint32_t sock_port_row(const struct snapshot *s, uint32_t sock);
/*
 * Whether socket sock belongs to row `row` of kind k: held by the process,
 * counted for the listener (the listening socket itself included) or the
 * port row, or is the socket.
 */
int sock_member(const struct snapshot *s, uint32_t sock, enum row_kind k, uint32_t row);
/* Whether a process of service `service` (index in s->services) holds socket sock. */
int sock_in_service(const struct snapshot *s, uint32_t sock, uint32_t service);
/* The service of process proc, NONE when its cgroup is unknown (or it is not shown). */
uint32_t proc_service(const struct snapshot *s, uint32_t proc);
/*
 * The processes of a service, in process order:
 *	for (p = s->services[svc].first; p != NONE; p = service_proc_next(s, p))
 */
static inline uint32_t service_proc_next(const struct snapshot *s, uint32_t proc)
{
	return s->pstats[proc].svc_next;
}
/* A service's name. */
const char *service_name(const struct snapshot *s, uint32_t service, size_t *len);
/*
 * The key a socket is remembered by across refreshes and deduplicated by in
 * one dump: its cookie's low 32 bits, never 0 (the maps' empty key).
 */
static inline uint32_t cookie_key(uint64_t cookie)
{
	return (uint32_t)cookie ? (uint32_t)cookie : 0x80000000u;
}
static inline uint32_t sock_cookie_key(const struct sock_rec *r)
{
	return cookie_key(r->cookie);
}
/* A listener's stable id, the same across refreshes: "tcp:COOKIE" (lsock: index in socks.v). */
void listener_id(struct strbuf *sb, const struct snapshot *s, uint32_t lsock);
/* The bound name of a UNIX socket without the abstract NUL: its length, *abstract set. */
const char *sock_unix_name(const struct snapshot *s, const struct sock_rec *r, size_t *len,
			   int *abstract);

struct row_list {
	uint32_t *v;
	size_t n;
	size_t cap;
};
void row_list_fini(struct row_list *rl);
/* The rows of kind k that pass the filter (indices into the model's arrays), unsorted. */
void model_rows(const struct snapshot *s, const struct filter *f, enum row_kind k,
		struct row_list *rl);

/* Whether a TCP listener's accept queue is full (or overflowed): connections wait, or are refused.
 */
static inline int listener_queue_full(const struct sock_rec *r)
{
	return r->state == TS_LISTEN && r->wqueue > 0 && r->rqueue >= r->wqueue;
}

/* --leaks: hide the processes that the leak detector did not flag. */
void snapshot_keep_leaking(struct snapshot *s);
/* Whether a socket belongs to the filtered set (has a shown owner, or no filter). */
int snapshot_sock_shown(const struct snapshot *s, const struct filter *f, uint32_t sock);
int filter_active(const struct filter *f);
/* Whether process p is one the filter asks about (-p, -u; a NULL filter: every one). */
int filter_match(const struct filter *f, const struct proc_rec *p);
/*
 * The namespace a socket or process is in (index in s->netns). The collector
 * lists the namespaces it dumps before the join (snapshot_add_netns).
 */
uint32_t snapshot_add_netns(struct snapshot *s, uint32_t ino, const char *name, size_t len,
			    int dumped);
uint32_t snapshot_netns_find(const struct snapshot *s, uint32_t ino);
/* A namespace's name ("" when none is known) and its inode. */
const char *netns_name(const struct snapshot *s, uint32_t netns, size_t *len);
/* Whether processes are chosen (-p, -u, --service): a socket is then shown with an owner. */
int filter_procs(const struct filter *f);
/* The process with this pid (index in procs.v), or NONE. */
uint32_t snapshot_proc_by_pid(const struct snapshot *s, int pid);
/*
 * The sockets of process proc the snapshot counts: its distinct socket fds,
 * or under a filter expression those of them the expression matches.
 */
uint32_t proc_sockets(const struct snapshot *s, uint32_t proc);
/* Processes that the filter shows and that could not be inspected (their counts are unknown). */
size_t snapshot_unknown_shown(const struct snapshot *s);

/*
 * Traffic. snapshot_traffic sums the rates of the matched sockets into every
 * process, service, listener row, port row and the totals (snapshot_join calls
 * it after snapshot_relate).
 */
void snapshot_traffic(struct snapshot *s);
/* The traffic of a row of kind k (not ROW_SOCKET: see sock_tcpi), NULL when it has none. */
const struct traffic *row_traffic(const struct snapshot *s, enum row_kind k, uint32_t row);
/* A socket's tcp_info (index in socks.v), NULL when it has none. */
static inline const struct sock_tcpi *snapshot_tcpi(const struct snapshot *s, uint32_t sock)
{
	return sock_tcpi(&s->socks, &s->socks.v[sock]);
}

/* Names. */
const char *tcp_state_name(unsigned state);	      /* "established", ...; "unknown" */
const char *sock_proto_name(unsigned proto);	      /* "tcp", "udp", "udplite", "unix" */
const char *sock_type_name(const struct sock_rec *r); /* "tcp", "tcp6", "u_str", ... */
/*
 * The protocol of a socket from the kernel's name for it (the system.sockprotoname
 * attribute of its fd: "TCP", "UDPv6", "UNIX-STREAM"): SP_TCP, SP_UDP, SP_UDPLITE,
 * SP_UNIX_STREAM for any UNIX socket, SP_COUNT for one no dump covers ("NETLINK").
 */
unsigned sock_proto_by_kernel_name(const char *name);
/* Format an address (no port): "127.0.0.1", "::1", "0.0.0.0", "::". */
void sock_addr_format(struct strbuf *sb, int family, const uint8_t *addr);

#endif
