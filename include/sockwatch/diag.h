/* diag.h: the kernel's socket tables over netlink sock_diag. */
#ifndef SOCKWATCH_DIAG_H
#define SOCKWATCH_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/util.h"

enum sock_proto {
	SP_TCP,
	SP_UDP,
	SP_UDPLITE,
	SP_UNIX_STREAM,
	SP_UNIX_DGRAM,
	SP_UNIX_SEQPACKET,
	SP_COUNT
};

/* Kernel TCP states (include/net/tcp_states.h); index into state-name tables. */
enum {
	TS_ESTABLISHED = 1,
	TS_SYN_SENT,
	TS_SYN_RECV,
	TS_FIN_WAIT1,
	TS_FIN_WAIT2,
	TS_TIME_WAIT,
	TS_CLOSE,
	TS_CLOSE_WAIT,
	TS_LAST_ACK,
	TS_LISTEN,
	TS_CLOSING,
	TS_NEW_SYN_RECV,
	TS_BOUND_INACTIVE,
	TS_MAX = 16 /* array size for per-state counters; states >= TS_MAX are clamped to 0 */
};

#define SOCK_NO_AGE  UINT32_MAX
#define SOCK_NO_TCPI UINT32_MAX

/*
 * What tcp_info (INET_DIAG_INFO) says of one TCP socket, and the rates the
 * collector derives from two refreshes. The kernel gives it only for full
 * sockets (not TIME_WAIT or request sockets), and only when asked.
 */
enum {
	TCPI_BYTES = 1 << 0, /* bytes_acked and bytes_received (Linux 4.1+) */
	TCPI_DRATE = 1 << 1, /* delivery_rate (Linux 4.9+) */
	TCPI_RATED = 1 << 2, /* rx, tx and retr hold rates: the socket was in the last refresh */
};
struct sock_tcpi {
	uint64_t bytes_acked;	 /* sent and acknowledged, over the connection's life */
	uint64_t bytes_received; /* received */
	uint64_t delivery_rate;	 /* bytes per second, the kernel's estimate */
	uint32_t total_retrans;	 /* segments retransmitted, over the connection's life */
	uint32_t rtt_us, rttvar_us;
	uint32_t lost;	    /* segments now presumed lost */
	float rx, tx, retr; /* per second since the last refresh (TCPI_RATED) */
	uint32_t have;	    /* TCPI_* bits */
};

/*
 * One socket as the kernel reported it. Fixed size, no pointers: a dump is
 * one flat array of 72 bytes a record. Ports are in host order. An IPv4
 * address is held in the record (sa, da: its 4 bytes in network order); an
 * IPv6 one is an index in its table's a6, where each distinct address is
 * kept once (a server's local addresses are few, and 32 bytes of addresses
 * were a third of a record). sock_addr gives either as 16 bytes.
 */
struct sock_rec {
	uint64_t cookie;
	uint32_t inode; /* 0: no owner (TIME_WAIT, request, orphan) */
	uint32_t uid;
	uint32_t rqueue;   /* LISTEN: accept queue; UNIX listener: pending */
	uint32_t wqueue;   /* LISTEN: backlog */
	uint32_t expires;  /* ms until the timer (idiag_timer) fires; TIME_WAIT: until it ends */
	uint32_t last_ack; /* ms since last ACK received (tcp_info), or SOCK_NO_AGE */
	/* A UNIX socket has no tcp_info and a TCP one no peer inode: they share the room. */
	union {
		uint32_t peer;	    /* UNIX: peer inode */
		uint32_t last_data; /* TCP: ms since data was last received (tcp_info), when
				       last_ack is */
	};
	uint32_t name;	/* UNIX: strpool offset of the bound path; 0 none */
	uint32_t owner; /* set by the model: index of the first owner link, UINT32_MAX none */
	uint32_t seen;	/* set by the collector: first seen, deciseconds into the run (AGE) */
	uint32_t tcpi;	/* index in the table's ti, SOCK_NO_TCPI: no tcp_info */
	uint16_t sport;
	uint16_t dport;
	uint16_t netns; /* set by the collector: index in snapshot.netns (0: sockwatch's own) */
	uint8_t family; /* AF_INET, AF_INET6, AF_UNIX */
	uint8_t proto;	/* enum sock_proto */
	uint8_t state;	/* kernel state (TCP numbering, also for UDP/UNIX) */
	uint8_t timer;
	uint8_t match; /* set by the join: the filter expression matches it (1 without one) */
	uint8_t dup;   /* set by the join: another record of its inode counted for its owners */
	uint32_t sa;   /* local address: AF_INET its bytes, AF_INET6 its index in a6 */
	uint32_t da;   /* remote address, the same way */
};

struct sock_table {
	struct sock_rec *v;
	size_t n;
	size_t cap;
	struct strpool names; /* UNIX paths; may hold NUL bytes (abstract names) */
	struct sock_tcpi *ti; /* tcp_info of the records that have one (sock_rec.tcpi) */
	size_t nti, ticap;
	/*
	 * Set by the caller before a dump: keep only each TCP socket's RTT of its
	 * tcp_info, in rtt (sock_rec.tcpi indexes it; ti stays empty). For a run
	 * whose one refresh shows no socket's tcp_info: the sums need the RTTs
	 * alone (4 bytes a socket rather than 56), as no rate can exist yet.
	 */
	uint8_t rtt_only;
	uint32_t *rtt;
	size_t nrtt, rttcap;
	uint8_t (*a6)[16]; /* the distinct IPv6 addresses of the records */
	size_t na6, a6cap;
	struct hmap a6map;  /* IPv6 address -> index in a6 */
	uint32_t a6last[2]; /* the local and the remote address interned last, NONE */
};

void sock_table_init(struct sock_table *t);
void sock_table_fini(struct sock_table *t);
void sock_table_reset(struct sock_table *t);
/* Append one zeroed record and return it (owner = UINT32_MAX, last_ack = SOCK_NO_AGE). */
struct sock_rec *sock_table_add(struct sock_table *t);
/* Give record r a zeroed tcp_info entry and return it. */
struct sock_tcpi *sock_table_add_tcpi(struct sock_table *t, struct sock_rec *r);
/* rtt_only: give record r an RTT (µs) instead. */
void sock_table_add_rtt(struct sock_table *t, struct sock_rec *r, uint32_t rtt_us);
/*
 * Set an address of r (remote: the peer's, else the local one) from the 4
 * (AF_INET) or 16 (AF_INET6) bytes at a; r->family must be set. AF_UNIX
 * records have none (0).
 */
void sock_set_addr(struct sock_table *t, struct sock_rec *r, int remote, const void *a);
/*
 * An address of r as 16 bytes in network order (an IPv4 one in the first 4,
 * zeros after; AF_UNIX: zeros): a pointer into t, or to buf, filled.
 */
static inline const uint8_t *sock_addr(const struct sock_table *t, const struct sock_rec *r,
				       int remote, uint8_t buf[16])
{
	uint32_t v = remote ? r->da : r->sa;

	if (r->family == AF_INET6 && v < t->na6)
		return t->a6[v];
	memset(buf, 0, 16);
	if (r->family == AF_INET)
		memcpy(buf, &v, 4);
	return buf;
}
/* Record r's tcp_info, NULL when it has none (or only its RTT: rtt_only). */
static inline const struct sock_tcpi *sock_tcpi(const struct sock_table *t,
						const struct sock_rec *r)
{
	return r->tcpi != SOCK_NO_TCPI && !t->rtt_only ? &t->ti[r->tcpi] : NULL;
}

/*
 * The dumps sockwatch makes, one request each, except TCP: one request
 * (TCPDIAG_GETSOCK, which the kernel answers for both families in one walk of
 * its TCP tables) runs in the DD_TCP4 slot and lists the sockets of both, and
 * DD_TCP6 gets the same status. Only a kernel that refuses that request gets
 * a TCP/IPv4 and a TCP/IPv6 dump of its own (see diag_dump_all).
 */
enum diag_dump { DD_TCP4, DD_TCP6, DD_UDP4, DD_UDP6, DD_UDPLITE4, DD_UDPLITE6, DD_UNIX, DD_COUNT };
const char *diag_dump_name(enum diag_dump d); /* "TCP/IPv4", ... */
/* Why a dump's sockets are missing, for people: -ENOENT is a missing diag module. */
const char *diag_err_text(int err);

/*
 * Pure parser: feed it the bytes of one recv() of a dump reply (any number of
 * netlink messages). It appends every record to ctx->t. A record is a
 * SOCK_DIAG_BY_FAMILY message, or for a TCP dump (DD_TCP4, DD_TCP6) also a
 * TCPDIAG_GETSOCK one (the reply to the one-walk request); the family is each
 * record's own, the protocol the dump's.
 */
struct diag_parse_ctx {
	struct sock_table *t;
	enum diag_dump dump;
	unsigned seq;	 /* expected sequence number, 0: don't check */
	unsigned portid; /* expected port id, 0: don't check */
	int status;	 /* out: 0, or -errno from NLMSG_DONE / NLMSG_ERROR */
	int refused;	 /* out: 1 when status < 0 came from NLMSG_ERROR: no dump ran at all */
};
/* >0: more messages expected; 0: dump complete (see ctx->status); <0: -errno, malformed input. */
int diag_parse(const void *buf, size_t len, struct diag_parse_ctx *ctx);

/* Result of one round of dumps. */
struct diag_status {
	int err[DD_COUNT]; /* 0 or -errno per dump; -ENOENT: no diag module for it */
};

struct diag;
/* Open the netlink socket. NULL on failure, with *cause set (caller frees). */
struct diag *diag_new(char **cause);
void diag_free(struct diag *d);
/* Whether TCP dumps make the second pass that gives CLOSE_WAIT sockets an age (default on). */
void diag_set_ages(struct diag *d, int on);
/*
 * Whether the TCP dump asks for every socket's tcp_info (default off). The
 * records then carry it, CLOSE_WAIT ages included: no second pass is made.
 */
void diag_set_tcp_info(struct diag *d, int on);

/*
 * What a filter expression lets the kernel do (expr.h builds it): the state
 * masks of the requests, a program the inet dumps run on every socket
 * (INET_DIAG_REQ_BYTECODE, struct inet_diag_bc_op), and the dumps that can
 * list nothing the expression matches. The kernel may list more than the
 * expression matches, never less: the caller still tests every record.
 */
#define DIAG_BC_MAX 4096 /* longest program sent; a longer one is not pushed down */
struct diag_pushdown {
	uint32_t tcp_states;  /* idiag_states of the TCP requests (bit = kernel state) */
	uint32_t udp_states;  /* of the UDP and UDP-Lite requests */
	uint32_t unix_states; /* udiag_states of the UNIX request */
	size_t bclen;	      /* bytes of the inet program in bc, 0: none */
	uint8_t bc[DIAG_BC_MAX];
	unsigned skip; /* DIAG_SKIP bits of dumps left out */
};
/* Dump under pd from now on (NULL: everything); pd must outlive its use. */
void diag_set_pushdown(struct diag *d, const struct diag_pushdown *pd);
/*
 * Run every dump, appending to t (not reset). 0, or -errno if the socket itself
 * failed. The first time the kernel refuses the one-walk TCP request (EINVAL,
 * EOPNOTSUPP or ENOENT in NLMSG_ERROR: it has no such request), d dumps TCP by
 * family from then on, starting with that round.
 */
int diag_dump_all(struct diag *d, struct sock_table *t, struct diag_status *st);
/*
 * The same without the dumps whose bits (DIAG_SKIP(dd)) are in skip: the caller
 * knows they would list nothing (the namespace's sockstat counts none), and each
 * one saves the kernel a walk of that protocol's hash table. TCP/IPv4 and
 * TCP/IPv6 are one request: it is skipped only when both are.
 */
#define DIAG_SKIP(dd) (1u << (dd))
int diag_dump_some(struct diag *d, struct sock_table *t, struct diag_status *st, unsigned skip);

/*
 * Other network namespaces (src/diag/netns.c). A netlink socket answers for
 * the namespace it was made in; these make one elsewhere without moving the
 * caller.
 */

/*
 * diag_new inside the network namespace that the file nspath names
 * (/proc/PID/ns/net, /run/netns/NAME). A short-lived helper thread enters
 * it, makes the socket and ends; the calling thread never changes namespace
 * (nor is a thread needed when nspath names the caller's own). A socket that
 * a dump has to replace is made there again, through the same file. NULL on
 * failure with *cause set (caller frees): entering takes CAP_SYS_ADMIN, EPERM
 * without it.
 */
struct diag *diag_new_in(const char *nspath, char **cause);
/*
 * The inode of the namespace that the file path names (the st_ino of an
 * nsfs file; it does not tell a network namespace from another kind): 0, or
 * -errno (-EINVAL: not a namespace file).
 */
int netns_file_inode(const char *path, uint32_t *ino);

/* The namespaces `ip netns` named: a name in its directory and the namespace's inode. */
struct netns_name {
	char *name;
	uint32_t ino;
};
/*
 * Every regular file in dir (/run/netns) that is a network namespace, by
 * name. 0 with *v and *n set (free with netns_names_free; none: NULL, 0), or
 * -errno (-ENOENT: no such dir, so none named).
 */
int netns_list_named(const char *dir, struct netns_name **v, size_t *n);
void netns_names_free(struct netns_name *v, size_t n);

/*
 * sock_diag sockets of other namespaces, one per namespace, kept across
 * refreshes. A round asks for each namespace it sees, then sweeps.
 */
struct netns_pool;
struct netns_pool *netns_pool_new(void);
void netns_pool_free(struct netns_pool *p);
/* diag_set_ages for every socket of the pool, now and to come. */
void netns_pool_set_ages(struct netns_pool *p, int on);
/* diag_set_tcp_info for every socket of the pool, now and to come. */
void netns_pool_set_tcp_info(struct netns_pool *p, int on);
/* diag_set_pushdown for every socket of the pool, now and to come. */
void netns_pool_set_pushdown(struct netns_pool *p, const struct diag_pushdown *pd);
/*
 * The socket of namespace ino (not 0), made through the file nspath names the
 * first time it is asked for, and marked used in this round; the pool owns it.
 * NULL on failure, with *cause set (caller frees). A failure that tells about
 * the namespace (no privilege to enter it) is remembered and given again at
 * no cost until a sweep drops ino; one of the file (it vanished or names
 * another namespace by now: ENOENT, ESTALE) or of resources (EMFILE, ENOMEM,
 * EAGAIN) is not, and is tried again at the next call.
 */
struct diag *netns_pool_get(struct netns_pool *p, uint32_t ino, const char *nspath, char **cause);
/*
 * End of a round: close the sockets (and forget the failures) of namespaces
 * not asked for since the last sweep. They are gone, or going: a socket held
 * open would keep a deleted namespace alive in the kernel.
 */
void netns_pool_sweep(struct netns_pool *p);
/* Namespaces in the pool, with a socket or a remembered failure. */
size_t netns_pool_size(const struct netns_pool *p);

#endif
