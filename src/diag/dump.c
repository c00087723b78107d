/*
 * dump.c: the sock_diag socket and the dumps sockwatch makes over it.
 *
 * One NETLINK_SOCK_DIAG socket, one dump request at a time, the reply parsed
 * by diag_parse() as it arrives. A dump that fails contributes no records
 * (the table is rolled back to where it started) and its error lands in
 * diag_status; the other dumps go on. After any failure in the middle of a
 * reply the socket is replaced, so no stale part of that reply can reach the
 * next dump.
 *
 * A socket made for another network namespace (diag_new_in) remembers the
 * file that names it: every socket that replaces it is made there too, on
 * netns.c's helper thread, never in the caller's namespace.
 *
 * TCP is one request for both families. A SOCK_DIAG_BY_FAMILY dump of TCP
 * walks every bucket of the established hash (sized by the RAM at boot,
 * 262144 buckets with 24 GiB, and shared by every namespace unless
 * net.ipv4.tcp_child_ehash_entries gave it its own) to keep the sockets of
 * one namespace and one family: two families were two walks, each costing
 * the same however few sockets the namespace holds. The old
 * TCPDIAG_GETSOCK request (struct inet_diag_req) is still served by
 * inet_diag_rcv_msg_compat() in net/ipv4/inet_diag.c, and its dump
 * (inet_diag_dump_compat) asks the TCP handler for AF_UNSPEC: one walk gives
 * the sockets of both families, with idiag_states and idiag_ext honoured as
 * in the newer request, in TCPDIAG_GETSOCK messages; each record has its
 * family in its message. A kernel that refuses the request gets the two
 * SOCK_DIAG_BY_FAMILY dumps instead, from then on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "sockwatch/diag.h"
#include "dump_int.h"
#include "netns_int.h"

/*
 * The kernel sizes each dump batch from the largest read it has seen, capped
 * just under 32 KiB, so a 32 KiB buffer takes a full batch per recv();
 * MNL_SOCKET_BUFFER_SIZE (4 KiB) would need about 8 times as many.
 */
#define DIAG_BUF_SIZE 32768

/* A reply that stalls this long means a broken socket, not a slow kernel. */
#define DIAG_RECV_TIMEOUT_SEC 5

#define DIAG_STATE_BIT(s) (1u << (s))

/*
 * TCP states 1 (ESTABLISHED) to 12 (NEW_SYN_RECV). Bit 13 (BOUND_INACTIVE,
 * Linux 6.7+) is left out on purpose, as `ss -a` does: it makes the kernel
 * walk the whole bind hash as well, at a cost that grows with every bound
 * socket on the machine, to find sockets that are bound but neither
 * listening nor connected; these come back as state 7 (CLOSE),
 * indistinguishable from other closed sockets, and are rare and transient in
 * practice. Their fds still count in the per-process fd totals from /proc.
 */
#define DIAG_TCP_STATES ((DIAG_STATE_BIT(TS_NEW_SYN_RECV + 1) - 1) & ~DIAG_STATE_BIT(0))

/* UDP uses 7 (unconnected) and 1 (connected); UNIX 1, 7 and 10. Ask for all. */
#define DIAG_ALL_STATES (~0u)

struct diag {
	struct mnl_socket *nl;
	unsigned portid;
	unsigned seq;
	char *buf;		  /* DIAG_BUF_SIZE bytes, malloc-aligned */
	struct sock_table cw;	  /* scratch: the CLOSE_WAIT sockets with tcp_info */
	struct diag_cw_ref *refs; /* scratch: CLOSE_WAIT records of the main dump */
	size_t refs_cap;
	int no_ages;	  /* diag_set_ages(d, 0): no CLOSE_WAIT age pass */
	int tcp_info;	  /* diag_set_tcp_info(d, 1): the TCP dump asks for tcp_info */
	int tcp_split;	  /* the kernel refused the one-walk TCP request: TCP by family */
	int break_compat; /* tests: send the one-walk request cut short, to be refused */
	const struct diag_pushdown *pd; /* NULL: dump everything */
	char *ns_path;	 /* NULL: the caller's namespace; else the file naming the socket's */
	uint32_t ns_ino; /* that namespace's inode, checked whenever a socket is made there */
};

/* A CLOSE_WAIT record of the main dump, by cookie, for the merge. */
struct diag_cw_ref {
	uint64_t cookie;
	size_t i;
};

/* One request on the wire. */
struct diag_req {
	uint8_t family; /* AF_UNSPEC: TCPDIAG_GETSOCK, both families */
	uint8_t protocol;
	uint32_t states;
};

/* The TCP dump of both families, in the DD_TCP4 slot. */
static const struct diag_req diag_req_tcp = { AF_UNSPEC, IPPROTO_TCP, DIAG_TCP_STATES };

/* One SOCK_DIAG_BY_FAMILY request per dump. */
static const struct diag_req diag_reqs[DD_COUNT] = {
	[DD_TCP4] = { AF_INET, IPPROTO_TCP, DIAG_TCP_STATES },
	[DD_TCP6] = { AF_INET6, IPPROTO_TCP, DIAG_TCP_STATES },
	[DD_UDP4] = { AF_INET, IPPROTO_UDP, DIAG_ALL_STATES },
	[DD_UDP6] = { AF_INET6, IPPROTO_UDP, DIAG_ALL_STATES },
	[DD_UDPLITE4] = { AF_INET, IPPROTO_UDPLITE, DIAG_ALL_STATES },
	[DD_UDPLITE6] = { AF_INET6, IPPROTO_UDPLITE, DIAG_ALL_STATES },
	[DD_UNIX] = { AF_UNIX, 0, DIAG_ALL_STATES },
};

static const char *const diag_dump_names[DD_COUNT] = {
	[DD_TCP4] = "TCP/IPv4", [DD_TCP6] = "TCP/IPv6",		[DD_UDP4] = "UDP/IPv4",
	[DD_UDP6] = "UDP/IPv6", [DD_UDPLITE4] = "UDPLITE/IPv4", [DD_UDPLITE6] = "UDPLITE/IPv6",
	[DD_UNIX] = "UNIX",
};

const char *diag_dump_name(enum diag_dump d)
{
	if ((unsigned)d >= DD_COUNT)
		return "?";
	return diag_dump_names[d];
}

/* Open and bind a fresh netlink socket into d, in this thread's namespace: 0 or -errno. */
static int diag_socket_open_here(struct diag *d)
{
	struct timeval tv = { .tv_sec = DIAG_RECV_TIMEOUT_SEC };
	int err;

	d->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (d->nl == NULL)
		return -errno;
	if (mnl_socket_bind(d->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	if (setsockopt(mnl_socket_get_fd(d->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto fail;
	d->portid = mnl_socket_get_portid(d->nl);
	return 0;
fail:
	err = -errno;
	mnl_socket_close(d->nl);
	d->nl = NULL;
	return err;
}

/* diag_socket_open_here as netns_call runs it. */
static int diag_socket_open_cb(void *arg)
{
	return diag_socket_open_here(arg);
}

/*
 * Open a fresh socket into d in d's namespace: 0 or -errno. A failure to
 * enter the namespace says why in *cause (when not NULL); one to make the
 * socket leaves it NULL.
 */
static int diag_socket_open_in(struct diag *d, char **cause)
{
	if (d->ns_path == NULL)
		return diag_socket_open_here(d);
	return netns_call(d->ns_path, &d->ns_ino, diag_socket_open_cb, d, cause);
}

static int diag_socket_open(struct diag *d)
{
	return diag_socket_open_in(d, NULL);
}

/* Drop the socket (and whatever reply is still queued on it) for a new one. */
static int diag_socket_reset(struct diag *d)
{
	if (d->nl != NULL)
		mnl_socket_close(d->nl);
	d->nl = NULL;
	return diag_socket_open(d);
}

/*
 * The one constructor: a socket in the caller's namespace (nspath NULL) or in
 * the one nspath names (ino: its inode if known, else 0). NULL on failure,
 * with *cause set (when not NULL) and *err the -errno (when not NULL).
 */
struct diag *diag_new_ns(const char *nspath, uint32_t ino, char **cause, int *err)
{
	struct diag *d = xcalloc(1, sizeof(*d));
	char *why = NULL;
	int ret;

	if (nspath != NULL) {
		d->ns_path = xstrdup(nspath);
		d->ns_ino = ino;
	}
	ret = diag_socket_open_in(d, &why);
	if (ret < 0) {
		char msg[512];

		if (why == NULL) {
			if (nspath == NULL)
				snprintf(msg, sizeof(msg),
					 "cannot open a netlink sock_diag socket: %s",
					 strerror(-ret));
			else
				snprintf(msg, sizeof(msg),
					 "cannot open a netlink sock_diag socket in %s: %s", nspath,
					 strerror(-ret));
			why = xstrdup(msg);
		}
		if (cause != NULL)
			*cause = why;
		else
			free(why);
		if (err != NULL)
			*err = ret;
		free(d->ns_path);
		free(d);
		return NULL;
	}
	d->buf = xmalloc(DIAG_BUF_SIZE);
	sock_table_init(&d->cw);
	return d;
}

struct diag *diag_new(char **cause)
{
	return diag_new_ns(NULL, 0, cause, NULL);
}

struct diag *diag_new_in(const char *nspath, char **cause)
{
	return diag_new_ns(nspath, 0, cause, NULL);
}

void diag_set_nspath(struct diag *d, const char *nspath)
{
	if (d->ns_path == NULL || strcmp(d->ns_path, nspath) == 0)
		return;
	free(d->ns_path);
	d->ns_path = xstrdup(nspath);
}

void diag_free(struct diag *d)
{
	if (d == NULL)
		return;
	if (d->nl != NULL)
		mnl_socket_close(d->nl);
	free(d->buf);
	sock_table_fini(&d->cw);
	free(d->refs);
	free(d->ns_path);
	free(d);
}

/* The next sequence number; 0 is skipped since it disables the check. */
static unsigned diag_seq_next(struct diag *d)
{
	if (++d->seq == 0)
		d->seq = 1;
	return d->seq;
}

/*
 * The state mask of a request under d's pushdown: what the expression can
 * match, and never a state the request does not ask for by itself.
 */
static uint32_t diag_req_states(const struct diag *d, const struct diag_req *rq)
{
	if (d->pd == NULL)
		return rq->states;
	if (rq->family == AF_UNIX)
		return rq->states & d->pd->unix_states;
	if (rq->protocol == IPPROTO_TCP)
		return rq->states & d->pd->tcp_states;
	return rq->states & d->pd->udp_states;
}

/* Build and send one dump request (idiag_ext = ext) with number seq: 0 or -errno. */
static int diag_req_send(struct diag *d, const struct diag_req *rq, uint8_t ext, unsigned seq)
{
	union {
		char buf[MNL_NLMSG_HDRLEN + 128 + MNL_ATTR_HDRLEN + DIAG_BC_MAX];
		struct nlmsghdr align;
	} u;
	const struct diag_pushdown *pd = rq->family != AF_UNIX ? d->pd : NULL;
	uint32_t states = diag_req_states(d, rq);
	struct nlmsghdr *nlh;
	ssize_t n;

	nlh = mnl_nlmsg_put_header(u.buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (rq->family == AF_UNSPEC) {
		struct inet_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		/*
		 * The protocol is in the message type. A dump ignores
		 * idiag_family (the kernel asks for AF_UNSPEC); AF_INET is what
		 * the request's clients always sent.
		 */
		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		r->idiag_family = AF_INET;
		r->idiag_ext = ext;
		r->idiag_states = states;
		/* Shorter than struct inet_diag_req: every kernel says EINVAL. */
		if (d->break_compat)
			nlh->nlmsg_len -= sizeof(r->idiag_dbs);
	} else if (rq->family == AF_UNIX) {
		struct unix_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		r->sdiag_family = AF_UNIX;
		r->udiag_states = states;
		r->udiag_show =
			UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
	} else {
		struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		r->sdiag_family = rq->family;
		r->sdiag_protocol = rq->protocol;
		r->idiag_ext = ext;
		r->idiag_states = states;
	}
	/* The kernel runs the program on every socket of the walk (inet_diag_bc_run). */
	if (pd != NULL && pd->bclen > 0 && pd->bclen <= DIAG_BC_MAX)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, pd->bclen, pd->bc);
	do
		n = mnl_socket_sendto(d->nl, nlh, nlh->nlmsg_len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

/*
 * One request and its whole reply, appending to t. 0 with *status set to the
 * kernel's verdict (0, or -ENOENT for a missing diag module...) and *refused
 * to whether it came in NLMSG_ERROR (the request refused, rather than a dump
 * that ended badly), or -errno when the exchange itself failed; then the
 * socket may hold the rest of the reply and must be reset.
 */
static int diag_req_run(struct diag *d, enum diag_dump dd, const struct diag_req *rq, uint8_t ext,
			struct sock_table *t, int *status, int *refused)
{
	struct diag_parse_ctx ctx = { .t = t, .dump = dd };
	ssize_t n;
	int ret;

	ctx.seq = diag_seq_next(d);
	ctx.portid = d->portid;
	ret = diag_req_send(d, rq, ext, ctx.seq);
	if (ret < 0)
		return ret;
	for (;;) {
		n = mnl_socket_recvfrom(d->nl, d->buf, DIAG_BUF_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			return -errno;
		}
		if (n == 0)
			return -EPROTO;
		ret = diag_parse(d->buf, (size_t)n, &ctx);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			*status = ctx.status;
			*refused = ctx.refused;
			return 0;
		}
	}
}

/*
 * Whether a refusal of the one-walk TCP request says that this kernel has no
 * such request: EINVAL (an unknown message type, or a kernel that checks the
 * old header differently), EOPNOTSUPP (sock_diag without the inet compat
 * handler), ENOENT. Anything else fails the dump, as it would fail the other.
 */
static int diag_compat_missing(int status, int refused)
{
	return refused && (status == -EINVAL || status == -EOPNOTSUPP || status == -ENOENT);
}

/* The request of dump dd on d. */
static const struct diag_req *diag_req_of(const struct diag *d, enum diag_dump dd)
{
	if (dd == DD_TCP4 && !d->tcp_split)
		return &diag_req_tcp;
	return &diag_reqs[dd];
}

static int diag_cw_ref_cmp(const void *pa, const void *pb)
{
	const struct diag_cw_ref *a = pa, *b = pb;

	return a->cookie < b->cookie ? -1 : a->cookie > b->cookie;
}

/*
 * The ages of CLOSE_WAIT sockets. tcp_info makes a record about 2.5 times
 * larger, so it is asked for in a second request like the main one (main:
 * both families in one request, or one of them) with only the CLOSE_WAIT
 * bit, and only when the main dump found CLOSE_WAIT sockets: a healthy
 * machine pays one walk of the TCP hash, not two (the second walk cost
 * about 20% of the whole dump at 54k sockets). Its records only lend their
 * last_ack to main-dump records with the same cookie (unique on the host,
 * whatever the family); a socket that entered or left CLOSE_WAIT between the
 * two walks keeps its main-dump state and no age, so no socket is missing or
 * counted twice. last_data comes along: the two bound the socket's time in
 * CLOSE_WAIT (sock_age). 0 or -errno.
 */
static int diag_cw_ages(struct diag *d, enum diag_dump dd, const struct diag_req *base,
			struct sock_table *t, size_t n0, int *status)
{
	struct diag_req rq = *base;
	size_t i, n = 0;
	int refused;
	int ret;

	for (i = n0; i < t->n; i++) {
		if (t->v[i].state != TS_CLOSE_WAIT)
			continue;
		d->refs = xgrow(d->refs, &d->refs_cap, n + 1, sizeof(*d->refs));
		d->refs[n].cookie = t->v[i].cookie;
		d->refs[n].i = i;
		n++;
	}
	if (n == 0)
		return 0;
	qsort(d->refs, n, sizeof(*d->refs), diag_cw_ref_cmp);

	sock_table_reset(&d->cw);
	rq.states = DIAG_STATE_BIT(TS_CLOSE_WAIT);
	ret = diag_req_run(d, dd, &rq, 1 << (INET_DIAG_INFO - 1), &d->cw, status, &refused);
	if (ret < 0 || *status < 0)
		return ret;
	for (i = 0; i < d->cw.n; i++) {
		struct diag_cw_ref key = { .cookie = d->cw.v[i].cookie };
		const struct diag_cw_ref *ref;

		ref = bsearch(&key, d->refs, n, sizeof(*d->refs), diag_cw_ref_cmp);
		if (ref != NULL && d->cw.v[i].state == TS_CLOSE_WAIT) {
			t->v[ref->i].last_ack = d->cw.v[i].last_ack;
			t->v[ref->i].last_data = d->cw.v[i].last_data;
		}
	}
	return 0;
}

/*
 * Run dump dd (and for TCP the CLOSE_WAIT ages). Sets *err to 0 or -errno
 * for this dump. Returns 0, or -errno when no working socket could be had.
 */
static int diag_dump_one(struct diag *d, enum diag_dump dd, struct sock_table *t, int *err)
{
	size_t n0 = t->n;
	int attempt;

	/* ENOBUFS (and NLM_F_DUMP_INTR, as EINTR) lose records: start over, once. */
	for (attempt = 0; attempt < 2; attempt++) {
		const struct diag_req *rq = diag_req_of(d, dd);
		int status = 0, refused = 0;
		int ret;

		if (d->nl == NULL && (ret = diag_socket_open(d)) < 0)
			return ret;
		uint8_t ext = 0;

		if (d->tcp_info && rq->protocol == IPPROTO_TCP)
			ext = 1 << (INET_DIAG_INFO - 1);
		ret = diag_req_run(d, dd, rq, ext, t, &status, &refused);
		if (ret == 0 && rq == &diag_req_tcp && diag_compat_missing(status, refused)) {
			/* No one-walk request here: TCP/IPv4 alone in this slot, now and after. */
			d->tcp_split = 1;
			rq = diag_req_of(d, dd);
			status = 0;
			ret = diag_req_run(d, dd, rq, ext, t, &status, &refused);
		}
		/* With tcp_info in the main dump, CLOSE_WAIT records have their age already. */
		if (ret == 0 && status == 0 && rq->protocol == IPPROTO_TCP && !d->no_ages && !ext) {
			int cw_status = 0;

			/* The kernel refused the age pass: ages stay unknown, the dump stands. */
			ret = diag_cw_ages(d, dd, rq, t, n0, &cw_status);
		}
		if (ret == 0) {
			*err = status;
			if (status < 0)
				t->n = n0;
			return 0;
		}
		*err = ret;
		t->n = n0;
		ret = diag_socket_reset(d);
		if (ret < 0)
			return ret;
		if (*err != -ENOBUFS && *err != -EINTR)
			break;
	}
	return 0;
}

void diag_set_ages(struct diag *d, int on)
{
	d->no_ages = !on;
}

void diag_set_tcp_info(struct diag *d, int on)
{
	d->tcp_info = on;
}

void diag_set_pushdown(struct diag *d, const struct diag_pushdown *pd)
{
	d->pd = pd;
}

int diag_dump_all(struct diag *d, struct sock_table *t, struct diag_status *st)
{
	return diag_dump_some(d, t, st, 0);
}

int diag_dump_some(struct diag *d, struct sock_table *t, struct diag_status *st, unsigned skip)
{
	struct diag_status dummy;
	unsigned dd;
	int ret;

	if (st == NULL)
		st = &dummy;
	if (d->pd != NULL)
		skip |= d->pd->skip;
	for (dd = 0; dd < DD_COUNT; dd++)
		st->err[dd] = 0;
	/* TCP is one request for both families: skipped only when both are. */
	if (!d->tcp_split && !(skip & DIAG_SKIP(DD_TCP4)) != !(skip & DIAG_SKIP(DD_TCP6)))
		skip &= ~(DIAG_SKIP(DD_TCP4) | DIAG_SKIP(DD_TCP6));
	for (dd = 0; dd < DD_COUNT; dd++) {
		if (skip & DIAG_SKIP(dd))
			continue;
		/* The TCP/IPv4 slot's request listed both families: its status is theirs. */
		if (dd == DD_TCP6 && !d->tcp_split) {
			st->err[dd] = st->err[DD_TCP4];
			continue;
		}
		ret = diag_dump_one(d, (enum diag_dump)dd, t, &st->err[dd]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void diag_test_break_compat(struct diag *d, int on)
{
	d->break_compat = on;
}

int diag_tcp_by_family(const struct diag *d)
{
	return d->tcp_split;
}

const char *diag_err_text(int err)
{
	return err == -ENOENT ? "the kernel has no sock_diag support for them" : strerror(-err);
}
