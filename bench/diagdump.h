/*
 * diagdump.h: the bare sock_diag dump shared by bench/dump.c and bench/attrib.c.
 *
 * One libmnl NETLINK_SOCK_DIAG socket, a 32 KiB receive buffer, one dump
 * request each for TCP (TCPDIAG_GETSOCK: both families in one walk of the TCP
 * hash, as sockwatch asks; a kernel that refuses it gets SOCK_DIAG_BY_FAMILY
 * for TCP/IPv4 and TCP/IPv6), UDP/IPv4, UDP/IPv6 and UNIX, no attributes asked
 * for (idiag_ext = 0, udiag_show = 0). Records are counted; their inodes are
 * optionally kept. This is the floor of any sock_diag based tool
 * (ARCHITECTURE.md, "Performance targets").
 */
#ifndef BENCH_DIAGDUMP_H
#define BENCH_DIAGDUMP_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <libmnl/libmnl.h>

#define DD_BUF_SIZE 32768

/* TCP states 1..12, as sockwatch and `ss -a` ask for (no BOUND_INACTIVE). */
#define DD_TCP_STATES (((1u << 13) - 1) & ~1u)

/* idiag_ext of the TCP requests: 0, or tcp_info (dump --tcp-info) for the floor of traffic. */
static unsigned char dd_tcp_ext;

struct dd_ctx {
	long records;
	int is_unix;
	uint32_t *inodes; /* NULL: count only */
	size_t n, cap;
	int done_err;
};

static int dd_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dd_ctx *c = data;

	c->records++;
	if (c->inodes != NULL) {
		uint32_t ino;

		if (c->is_unix) {
			const struct unix_diag_msg *m = mnl_nlmsg_get_payload(nlh);
			ino = m->udiag_ino;
		} else {
			const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
			ino = m->idiag_inode;
		}
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 65536;
			uint32_t *p = realloc(c->inodes, cap * sizeof(*p));

			if (p == NULL) {
				perror("realloc");
				exit(1);
			}
			c->inodes = p;
			c->cap = cap;
		}
		c->inodes[c->n++] = ino;
	}
	return MNL_CB_OK;
}

/* NLMSG_DONE carries an int: < 0 when the kernel could not serve the dump. */
static int dd_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dd_ctx *c = data;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int e = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (e < 0)
			c->done_err = e;
	}
	return MNL_CB_STOP;
}

static int dd_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (e->error != 0) {
		errno = -e->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int dd_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* One dump request. AF_UNSPEC: TCPDIAG_GETSOCK, the TCP sockets of both families. */
struct dd_req {
	uint8_t family, protocol;
	uint32_t states;
};

/* Send one request and count its reply into c: 0, or -errno (errno set). */
static int dd_request(struct mnl_socket *nl, unsigned portid, unsigned seq, const struct dd_req *rq,
		      struct dd_ctx *c)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE];
	static char buf[DD_BUF_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	ssize_t n;
	int ret;

	ctl[NLMSG_NOOP] = dd_noop_cb;
	ctl[NLMSG_ERROR] = dd_error_cb;
	ctl[NLMSG_DONE] = dd_done_cb;
	ctl[NLMSG_OVERRUN] = dd_noop_cb;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (rq->family == AF_UNSPEC) {
		struct inet_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		r->idiag_family = AF_INET; /* a dump ignores it */
		r->idiag_states = rq->states;
		r->idiag_ext = dd_tcp_ext;
	} else if (rq->family == AF_UNIX) {
		struct unix_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		r->sdiag_family = AF_UNIX;
		r->udiag_states = rq->states;
	} else {
		struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		r->sdiag_family = rq->family;
		r->sdiag_protocol = rq->protocol;
		r->idiag_states = rq->states;
		if (rq->protocol == IPPROTO_TCP)
			r->idiag_ext = dd_tcp_ext;
	}
	c->is_unix = rq->family == AF_UNIX;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("sendto");
		exit(1);
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			perror("recvfrom");
			exit(1);
		}
		ret = mnl_cb_run2(buf, (size_t)n, seq, portid, dd_data_cb, c, ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

/*
 * Dump everything; keep_inodes: store each record's inode in c->inodes.
 * Returns the record count, exits on error.
 */
static long dd_dump_all(struct dd_ctx *c, int keep_inodes)
{
	static const struct dd_req tcp_both = { AF_UNSPEC, IPPROTO_TCP, DD_TCP_STATES };
	static const struct dd_req tcp_by_family[] = {
		{ AF_INET, IPPROTO_TCP, DD_TCP_STATES },
		{ AF_INET6, IPPROTO_TCP, DD_TCP_STATES },
	};
	static const struct dd_req reqs[] = {
		{ AF_INET, IPPROTO_UDP, ~0u },
		{ AF_INET6, IPPROTO_UDP, ~0u },
		{ AF_UNIX, 0, ~0u },
	};
	struct mnl_socket *nl;
	unsigned portid, seq = 1;
	size_t i;
	int err;

	memset(c, 0, sizeof(*c));
	if (keep_inodes) {
		c->cap = 65536;
		c->inodes = malloc(c->cap * sizeof(*c->inodes));
		if (c->inodes == NULL) {
			perror("malloc");
			exit(1);
		}
	}
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("netlink sock_diag");
		exit(1);
	}
	portid = mnl_socket_get_portid(nl);

	/* A kernel without the one-walk request refuses it before any record. */
	err = dd_request(nl, portid, ++seq, &tcp_both, c);
	if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOENT) {
		for (i = 0, err = 0; i < sizeof(tcp_by_family) / sizeof(tcp_by_family[0]); i++)
			if ((err = dd_request(nl, portid, ++seq, &tcp_by_family[i], c)) < 0)
				break;
	}
	for (i = 0; err == 0 && i < sizeof(reqs) / sizeof(reqs[0]); i++)
		err = dd_request(nl, portid, ++seq, &reqs[i], c);
	if (err < 0) {
		errno = -err;
		perror("sock_diag dump");
		exit(1);
	}
	mnl_socket_close(nl);
	return c->records;
}

#endif
