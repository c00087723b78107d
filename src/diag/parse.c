/*
 * parse.c: sock_diag dump replies -> struct sock_rec. Pure: no I/O.
 *
 * Everything here comes from the kernel (or from a test, or a recorded file)
 * and is checked before it is read: message and attribute lengths are
 * validated against the bytes actually received, never against aligned
 * lengths that may reach past the buffer.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>

#include "sockwatch/diag.h"

/* What the callbacks share during one diag_parse() call. */
struct diag_parse_run {
	struct diag_parse_ctx *ctx;
	int err; /* first error seen by a callback, -errno */
};

/* Attribute types we look at, for the largest of the two families. */
#define DIAG_ATTR_MAX 16

/*
 * Collect the attributes that follow a fixed header of hdrlen bytes into tb
 * (types above DIAG_ATTR_MAX are skipped). The attributes must tile the rest
 * of the message exactly, up to the padding of the last one: 0 or -EBADMSG.
 * libmnl's mnl_attr_parse() silently stops at a bad attribute and measures
 * the message by its aligned length, which can reach past the received bytes.
 */
static int diag_attrs_collect(const struct nlmsghdr *nlh, size_t hdrlen,
			      const struct nlattr *tb[DIAG_ATTR_MAX + 1])
{
	const char *base = (const char *)nlh;
	size_t end = nlh->nlmsg_len;
	size_t off = MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen);

	memset(tb, 0, sizeof(*tb) * (DIAG_ATTR_MAX + 1));
	while (off < end) {
		const struct nlattr *a = (const void *)(base + off);
		uint16_t type;

		if (end - off < sizeof(*a))
			return -EBADMSG;
		if (a->nla_len < sizeof(*a) || a->nla_len > end - off)
			return -EBADMSG;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= DIAG_ATTR_MAX)
			tb[type] = a;
		off += MNL_ALIGN(a->nla_len);
	}
	return 0;
}

/* Read a u32 attribute that must hold at least 4 bytes: 0 or -EBADMSG. */
static int diag_attr_u32(const struct nlattr *a, uint32_t *out)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*out))
		return -EBADMSG;
	memcpy(out, mnl_attr_get_payload(a), sizeof(*out));
	return 0;
}

static uint8_t diag_dump_proto(enum diag_dump d)
{
	switch (d) {
	case DD_TCP4:
	case DD_TCP6:
		return SP_TCP;
	case DD_UDP4:
	case DD_UDP6:
		return SP_UDP;
	case DD_UDPLITE4:
	case DD_UDPLITE6:
		return SP_UDPLITE;
	default:
		return SP_COUNT;
	}
}

/* Whether a tcp_info of len bytes reaches to the end of field f (struct tcp_info grows). */
#define TCPI_HAS(f) (offsetof(struct tcp_info, f) + sizeof(((struct tcp_info *)0)->f))

/* One struct inet_diag_msg (TCP, UDP, UDPLITE) and its attributes. */
static int diag_parse_inet(const struct nlmsghdr *nlh, struct diag_parse_run *run)
{
	const struct nlattr *tb[DIAG_ATTR_MAX + 1];
	struct inet_diag_msg m;
	struct sock_rec *r;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(m))
		return -EBADMSG;
	memcpy(&m, mnl_nlmsg_get_payload(nlh), sizeof(m));
	err = diag_attrs_collect(nlh, sizeof(m), tb);
	if (err < 0)
		return err;
	/* A reply of another family than asked for: not ours to interpret. */
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return 0;

	r = sock_table_add(run->ctx->t);
	r->cookie = (uint64_t)m.id.idiag_cookie[0] | (uint64_t)m.id.idiag_cookie[1] << 32;
	r->inode = m.idiag_inode;
	r->uid = m.idiag_uid;
	r->rqueue = m.idiag_rqueue;
	r->wqueue = m.idiag_wqueue;
	r->expires = m.idiag_expires;
	r->state = m.idiag_state;
	r->timer = m.idiag_timer;
	r->family = m.idiag_family;
	r->proto = diag_dump_proto(run->ctx->dump);
	r->sport = ntohs(m.id.idiag_sport);
	r->dport = ntohs(m.id.idiag_dport);
	sock_set_addr(run->ctx->t, r, 0, m.id.idiag_src);
	sock_set_addr(run->ctx->t, r, 1, m.id.idiag_dst);

	/* struct tcp_info grows with the kernel: copy what both sides know. */
	if (tb[INET_DIAG_INFO] != NULL) {
		const struct nlattr *a = tb[INET_DIAG_INFO];
		size_t len = mnl_attr_get_payload_len(a);
		struct tcp_info ti;

		memset(&ti, 0, sizeof(ti));
		if (len > sizeof(ti))
			len = sizeof(ti);
		memcpy(&ti, mnl_attr_get_payload(a), len);
		/* tcpi_last_data_recv comes before tcpi_last_ack_recv: both or neither. */
		if (len >= TCPI_HAS(tcpi_last_ack_recv)) {
			r->last_ack = ti.tcpi_last_ack_recv;
			r->last_data = ti.tcpi_last_data_recv;
		}
		/* Every kernel with sock_diag has these; the byte counters came later. */
		if (len >= TCPI_HAS(tcpi_total_retrans) && run->ctx->t->rtt_only) {
			sock_table_add_rtt(run->ctx->t, r, ti.tcpi_rtt);
		} else if (len >= TCPI_HAS(tcpi_total_retrans)) {
			struct sock_tcpi *x = sock_table_add_tcpi(run->ctx->t, r);

			x->rtt_us = ti.tcpi_rtt;
			x->rttvar_us = ti.tcpi_rttvar;
			x->lost = ti.tcpi_lost;
			x->total_retrans = ti.tcpi_total_retrans;
			if (len >= TCPI_HAS(tcpi_bytes_received)) {
				x->bytes_acked = ti.tcpi_bytes_acked;
				x->bytes_received = ti.tcpi_bytes_received;
				x->have |= TCPI_BYTES;
			}
			if (len >= TCPI_HAS(tcpi_delivery_rate)) {
				x->delivery_rate = ti.tcpi_delivery_rate;
				x->have |= TCPI_DRATE;
			}
		}
	}
	return 0;
}

static uint8_t diag_unix_proto(uint8_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return SP_UNIX_STREAM;
	case SOCK_DGRAM:
		return SP_UNIX_DGRAM;
	case SOCK_SEQPACKET:
		return SP_UNIX_SEQPACKET;
	default:
		return SP_COUNT;
	}
}

/* One struct unix_diag_msg and its UNIX_DIAG_* attributes. */
static int diag_parse_unix(const struct nlmsghdr *nlh, struct diag_parse_run *run)
{
	const struct nlattr *tb[DIAG_ATTR_MAX + 1];
	struct unix_diag_msg m;
	struct sock_rec rec;
	struct sock_rec *r;
	uint8_t proto;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(m))
		return -EBADMSG;
	memcpy(&m, mnl_nlmsg_get_payload(nlh), sizeof(m));
	err = diag_attrs_collect(nlh, sizeof(m), tb);
	if (err < 0)
		return err;
	proto = diag_unix_proto(m.udiag_type);
	if (proto == SP_COUNT || m.udiag_family != AF_UNIX)
		return 0;

	/* Validate every attribute before the record is appended. */
	memset(&rec, 0, sizeof(rec));
	if (tb[UNIX_DIAG_PEER] != NULL && (err = diag_attr_u32(tb[UNIX_DIAG_PEER], &rec.peer)) < 0)
		return err;
	if (tb[UNIX_DIAG_UID] != NULL && (err = diag_attr_u32(tb[UNIX_DIAG_UID], &rec.uid)) < 0)
		return err;
	if (tb[UNIX_DIAG_RQLEN] != NULL) {
		struct unix_diag_rqlen q;

		if (mnl_attr_get_payload_len(tb[UNIX_DIAG_RQLEN]) < sizeof(q))
			return -EBADMSG;
		memcpy(&q, mnl_attr_get_payload(tb[UNIX_DIAG_RQLEN]), sizeof(q));
		rec.rqueue = q.udiag_rqueue;
		rec.wqueue = q.udiag_wqueue;
	}

	r = sock_table_add(run->ctx->t);
	r->cookie = (uint64_t)m.udiag_cookie[0] | (uint64_t)m.udiag_cookie[1] << 32;
	r->inode = m.udiag_ino;
	r->uid = rec.uid;
	r->peer = rec.peer;
	r->rqueue = rec.rqueue;
	r->wqueue = rec.wqueue;
	r->state = m.udiag_state;
	r->family = AF_UNIX;
	r->proto = proto;
	/*
	 * An abstract name (first byte NUL) is kept byte for byte: every byte
	 * counts, NULs included. A path is a C string, and the kernel's copy
	 * carries the terminating NUL: stop at the first NUL.
	 */
	if (tb[UNIX_DIAG_NAME] != NULL) {
		const char *name = mnl_attr_get_payload(tb[UNIX_DIAG_NAME]);
		size_t len = mnl_attr_get_payload_len(tb[UNIX_DIAG_NAME]);

		if (len > 0 && name[0] != '\0')
			len = strnlen(name, len);
		if (len > 0)
			r->name = strpool_add(&run->ctx->t->names, name, len);
	}
	return 0;
}

/*
 * Whether a message of this type is a record of dump d. The kernel answers a
 * request with messages of the request's own type: SOCK_DIAG_BY_FAMILY, or
 * for the one-walk TCP request TCPDIAG_GETSOCK (same struct inet_diag_msg).
 */
static int diag_record_type(uint16_t type, enum diag_dump d)
{
	if (type == SOCK_DIAG_BY_FAMILY)
		return 1;
	return type == TCPDIAG_GETSOCK && (d == DD_TCP4 || d == DD_TCP6);
}

/* Data callback: one record. Other types are skipped. */
static int diag_cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct diag_parse_run *run = data;
	int err;

	if (!diag_record_type(nlh->nlmsg_type, run->ctx->dump))
		return MNL_CB_OK;
	if (run->ctx->dump == DD_UNIX)
		err = diag_parse_unix(nlh, run);
	else
		err = diag_parse_inet(nlh, run);
	if (err < 0) {
		run->err = err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * NLMSG_DONE: the end of the dump. Its payload is the dump's error code,
 * which libmnl's default handler ignores: an inet protocol without a diag
 * module "succeeds" with no records and -ENOENT here.
 */
static int diag_cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct diag_parse_run *run = data;
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	int code = 0;

	if (len >= sizeof(code))
		memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
	else if (len != 0) {
		run->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	run->ctx->status = code < 0 && code != INT_MIN ? code : 0;
	return MNL_CB_STOP;
}

/*
 * NLMSG_ERROR: the request failed as a whole (a family without diag: -ENOENT;
 * a request type this kernel does not know: -EINVAL).
 */
static int diag_cb_error(const struct nlmsghdr *nlh, void *data)
{
	struct diag_parse_run *run = data;
	struct nlmsgerr e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e)) {
		run->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e.error == INT_MIN)
		run->ctx->status = -EPROTO;
	else
		run->ctx->status = e.error <= 0 ? e.error : -e.error;
	run->ctx->refused = run->ctx->status < 0;
	return MNL_CB_STOP;
}

/* Other control messages (NOOP, OVERRUN, unknown): nothing to do. */
static int diag_cb_ignore(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/*
 * Check that buf is a sequence of whole netlink messages. The last one may
 * lack its alignment padding; anything else left over is a truncation.
 */
static int diag_frames_check(const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;

	while (off < len) {
		const struct nlmsghdr *nlh = (const void *)(p + off);

		if (len - off < sizeof(*nlh))
			return -EBADMSG;
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			return -EBADMSG;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	return 0;
}

int diag_parse(const void *buf, size_t len, struct diag_parse_ctx *ctx)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE];
	struct diag_parse_run run = { .ctx = ctx, .err = 0 };
	size_t n0 = ctx->t->n;
	size_t i;
	int ret;

	ctx->status = 0;
	ctx->refused = 0;
	if ((unsigned)ctx->dump >= DD_COUNT)
		return -EINVAL;
	if (len > INT_MAX)
		return -EMSGSIZE;
	/* Headers are read in place, as libmnl does: recv() buffers are aligned. */
	if ((uintptr_t)buf % NLMSG_ALIGNTO != 0)
		return -EINVAL;
	ret = diag_frames_check(buf, len);
	if (ret < 0)
		return ret;
	if (len == 0)
		return 1;

	for (i = 0; i < ARRAY_LEN(ctl); i++)
		ctl[i] = diag_cb_ignore;
	ctl[NLMSG_DONE] = diag_cb_done;
	ctl[NLMSG_ERROR] = diag_cb_error;

	errno = 0;
	ret = mnl_cb_run2(buf, len, ctx->seq, ctx->portid, diag_cb_data, &run, ctl, ARRAY_LEN(ctl));
	if (ret < 0) {
		/* libmnl: ESRCH wrong port id, EPROTO wrong seq, EINTR NLM_F_DUMP_INTR. */
		if (run.err < 0)
			ret = run.err;
		else
			ret = errno > 0 ? -errno : -EPROTO;
		ctx->t->n = n0;
		ctx->status = 0;
		ctx->refused = 0;
		return ret;
	}
	return ret == MNL_CB_STOP ? 0 : 1;
}
