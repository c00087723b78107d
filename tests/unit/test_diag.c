/*
 * test_diag.c: the sock_diag parser (hand-built and recorded replies), the
 * socket table, and one live dump of sockets this process opens.
 *
 * `test_diag --record DIR` re-records the fixtures in DIR (tests/fixtures/diag)
 * inside a fresh network namespace (needs root); see DIR/README.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>

#include "sockwatch/diag.h"
#include "../../src/diag/dump_int.h"

#define TEST_SEQ    4242
#define TEST_PORTID 777

/* A buffer of netlink messages built the way the kernel lays them out. */
struct nlbuf {
	alignas(8) char b[16384];
	size_t len;
};

/* Fields of one inet_diag_msg; addresses as text. */
struct inet_spec {
	uint8_t family;
	uint8_t state;
	uint8_t timer;
	uint16_t sport;
	uint16_t dport;
	const char *src;
	const char *dst;
	uint32_t inode;
	uint32_t uid;
	uint32_t rqueue;
	uint32_t wqueue;
	uint32_t expires;
	uint64_t cookie;
};

/* An address of r as 16 bytes (a buffer each for the local and the remote one). */
static const uint8_t *addr_of(const struct sock_table *t, const struct sock_rec *r, int remote)
{
	static uint8_t buf[2][16];

	return sock_addr(t, r, remote, buf[remote != 0]);
}

static struct nlmsghdr *nb_begin(struct nlbuf *nb, uint16_t type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nb->b + nb->len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = TEST_SEQ;
	nlh->nlmsg_pid = TEST_PORTID;
	return nlh;
}

static void nb_end(struct nlbuf *nb, const struct nlmsghdr *nlh)
{
	nb->len += MNL_ALIGN(nlh->nlmsg_len);
	assert_true(nb->len <= sizeof(nb->b));
}

/* An inet_diag_msg in a message of the given type (TCPDIAG_GETSOCK: the one-walk TCP reply). */
static struct nlmsghdr *nb_inet_type(struct nlbuf *nb, uint16_t type, const struct inet_spec *s)
{
	struct nlmsghdr *nlh = nb_begin(nb, type);
	struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));

	m->idiag_family = s->family;
	m->idiag_state = s->state;
	m->idiag_timer = s->timer;
	m->id.idiag_sport = htons(s->sport);
	m->id.idiag_dport = htons(s->dport);
	assert_int_equal(inet_pton(s->family, s->src, m->id.idiag_src), 1);
	assert_int_equal(inet_pton(s->family, s->dst, m->id.idiag_dst), 1);
	m->id.idiag_cookie[0] = (uint32_t)s->cookie;
	m->id.idiag_cookie[1] = (uint32_t)(s->cookie >> 32);
	m->idiag_expires = s->expires;
	m->idiag_rqueue = s->rqueue;
	m->idiag_wqueue = s->wqueue;
	m->idiag_uid = s->uid;
	m->idiag_inode = s->inode;
	return nlh;
}

static struct nlmsghdr *nb_inet(struct nlbuf *nb, const struct inet_spec *s)
{
	return nb_inet_type(nb, SOCK_DIAG_BY_FAMILY, s);
}

static struct nlmsghdr *nb_unix(struct nlbuf *nb, uint8_t type, uint8_t state, uint32_t ino,
				uint64_t cookie)
{
	struct nlmsghdr *nlh = nb_begin(nb, SOCK_DIAG_BY_FAMILY);
	struct unix_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));

	m->udiag_family = AF_UNIX;
	m->udiag_type = type;
	m->udiag_state = state;
	m->udiag_ino = ino;
	m->udiag_cookie[0] = (uint32_t)cookie;
	m->udiag_cookie[1] = (uint32_t)(cookie >> 32);
	return nlh;
}

static void nb_done(struct nlbuf *nb, int code)
{
	struct nlmsghdr *nlh = nb_begin(nb, NLMSG_DONE);
	int *p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));

	*p = code;
	nb_end(nb, nlh);
}

/* NLMSG_ERROR for a request of the given type. */
static void nb_error_type(struct nlbuf *nb, uint16_t type, int code)
{
	struct nlmsghdr *nlh = nb_begin(nb, NLMSG_ERROR);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_flags = 0;
	e->error = code;
	e->msg.nlmsg_type = type;
	nb_end(nb, nlh);
}

static void nb_error(struct nlbuf *nb, int code)
{
	nb_error_type(nb, SOCK_DIAG_BY_FAMILY, code);
}

static const struct inet_spec tcp4_estab = {
	.family = AF_INET,
	.state = TS_ESTABLISHED,
	.timer = 1,
	.sport = 8080,
	.dport = 51234,
	.src = "127.0.0.1",
	.dst = "10.1.2.3",
	.inode = 123456,
	.uid = 1000,
	.rqueue = 17,
	.wqueue = 2803712,
	.expires = 312,
	.cookie = 0x5566778811223344ull,
};

/* Parse buf with the test's seq and port id into t. */
static int parse(const void *buf, size_t len, struct sock_table *t, enum diag_dump dump,
		 int *status)
{
	struct diag_parse_ctx ctx = {
		.t = t, .dump = dump, .seq = TEST_SEQ, .portid = TEST_PORTID, .status = 12345
	};
	int ret = diag_parse(buf, len, &ctx);

	if (status != NULL)
		*status = ctx.status;
	return ret;
}

static void test_table(void **state)
{
	struct sock_table t;
	struct sock_rec *r;
	size_t i;

	(void)state;
	sock_table_init(&t);
	for (i = 0; i < 1000; i++) {
		r = sock_table_add(&t);
		assert_int_equal(r->owner, UINT32_MAX);
		assert_int_equal(r->last_ack, SOCK_NO_AGE);
		assert_int_equal(r->inode, 0);
		assert_int_equal(r->name, 0);
		r->inode = (uint32_t)i;
	}
	assert_int_equal(t.n, 1000);
	for (i = 0; i < 1000; i++)
		assert_int_equal(t.v[i].inode, i);
	sock_table_reset(&t);
	assert_int_equal(t.n, 0);
	r = sock_table_add(&t);
	assert_int_equal(r->inode, 0);
	sock_table_fini(&t);
	assert_null(t.v);
	sock_table_fini(&t);
}

/*
 * Addresses: an IPv4 one in the record, each distinct IPv6 one once in the
 * table whatever order they come in (the one-entry caches only save lookups),
 * every record giving back its own 16 bytes; a reset forgets them.
 */
static void test_table_addrs(void **state)
{
	struct sock_table t;
	uint8_t a[16], b[16];
	size_t i, round;

	(void)state;
	sock_table_init(&t);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 3000; i++) {
			struct sock_rec *r = sock_table_add(&t);

			r->family = i % 3 == 0 ? AF_INET : AF_INET6;
			memset(a, 0, sizeof a);
			a[0] = 0x20;
			a[15] = (uint8_t)(i % 7); /* local: 7 addresses, in turn */
			sock_set_addr(&t, r, 0, a);
			memset(a, 0, sizeof a);
			a[0] = 0xfd;
			a[14] = (uint8_t)((i * 13) % 500 >> 8);
			a[15] = (uint8_t)((i * 13) % 500); /* remote: 500, scattered */
			sock_set_addr(&t, r, 1, a);
		}
		for (i = 0; i < t.n; i++) {
			const struct sock_rec *r = &t.v[i];

			memset(a, 0, sizeof a);
			a[0] = 0x20;
			if (r->family == AF_INET6)
				a[15] = (uint8_t)(i % 7);
			else
				memset(a + 4, 0, 12); /* IPv4: 4 bytes, zeros after */
			assert_memory_equal(addr_of(&t, r, 0), a, 16);
			memset(b, 0, sizeof b);
			b[0] = 0xfd;
			if (r->family == AF_INET6) {
				b[14] = (uint8_t)((i * 13) % 500 >> 8);
				b[15] = (uint8_t)((i * 13) % 500);
			}
			assert_memory_equal(addr_of(&t, r, 1), b, 16);
		}
		/* 7 local and 500 remote IPv6 addresses (every i % 3 != 0 reaches all of them) */
		assert_int_equal(t.na6, 507);
		sock_table_reset(&t);
		assert_int_equal(t.na6, 0);
	}
	{
		struct sock_rec *r = sock_table_add(&t);

		r->family = AF_UNIX;
		sock_set_addr(&t, r, 0, a);
		memset(b, 0, sizeof b);
		assert_memory_equal(addr_of(&t, r, 0), b, 16);
		assert_int_equal(t.na6, 0);
	}
	sock_table_fini(&t);
}

static void test_dump_names(void **state)
{
	(void)state;
	assert_string_equal(diag_dump_name(DD_TCP4), "TCP/IPv4");
	assert_string_equal(diag_dump_name(DD_UDPLITE6), "UDPLITE/IPv6");
	assert_string_equal(diag_dump_name(DD_UNIX), "UNIX");
	assert_string_equal(diag_dump_name(DD_COUNT), "?");
	assert_string_equal(diag_dump_name((enum diag_dump)99), "?");
}

static void test_tcp4_record(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct sock_table t;
	struct nlmsghdr *nlh;
	const struct sock_rec *r;
	uint8_t shut = 0;
	uint8_t unknown[40];
	int status;

	(void)state;
	sock_table_init(&t);
	memset(unknown, 0xab, sizeof(unknown));
	nlh = nb_inet(&nb, &tcp4_estab);
	mnl_attr_put(nlh, INET_DIAG_SHUTDOWN, sizeof(shut), &shut);
	mnl_attr_put(nlh, 200, sizeof(unknown), unknown); /* a type from the future */
	mnl_attr_put_u64(nlh, INET_DIAG_CGROUP_ID, 99);
	nb_end(&nb, nlh);

	assert_true(parse(nb.b, nb.len, &t, DD_TCP4, &status) > 0);
	assert_int_equal(status, 0);
	assert_int_equal(t.n, 1);
	r = &t.v[0];
	assert_true(r->cookie == 0x5566778811223344ull);
	assert_int_equal(r->inode, 123456);
	assert_int_equal(r->uid, 1000);
	assert_int_equal(r->rqueue, 17);
	assert_int_equal(r->wqueue, 2803712);
	assert_int_equal(r->expires, 312);
	assert_int_equal(r->timer, 1);
	assert_int_equal(r->state, TS_ESTABLISHED);
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->proto, SP_TCP);
	assert_int_equal(r->sport, 8080);
	assert_int_equal(r->dport, 51234);
	assert_memory_equal(addr_of(&t, r, 0), "\x7f\x00\x00\x01", 4);
	assert_memory_equal(addr_of(&t, r, 1), "\x0a\x01\x02\x03", 4);
	assert_memory_equal(addr_of(&t, r, 0) + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	assert_int_equal(r->last_ack, SOCK_NO_AGE);
	assert_int_equal(r->owner, UINT32_MAX);
	assert_int_equal(r->name, 0);
	assert_int_equal(r->peer, 0);
	sock_table_fini(&t);
}

static void test_inet6_record(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct inet_spec s = {
		.family = AF_INET6,
		.state = TS_CLOSE,
		.sport = 443,
		.dport = 65535,
		.src = "2001:db8::1",
		.dst = "::ffff:127.0.0.1",
		.inode = 42,
		.cookie = 7,
	};
	struct sock_table t;
	const struct sock_rec *r;
	uint8_t a6[16];

	(void)state;
	sock_table_init(&t);
	nb_end(&nb, nb_inet(&nb, &s));
	s.sport = 53;
	s.src = "::";
	s.dst = "::";
	nb_end(&nb, nb_inet(&nb, &s));
	assert_true(parse(nb.b, nb.len, &t, DD_UDP6, NULL) > 0);
	assert_int_equal(t.n, 2);
	r = &t.v[0];
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->proto, SP_UDP);
	assert_int_equal(r->state, TS_CLOSE);
	assert_int_equal(r->sport, 443);
	assert_int_equal(r->dport, 65535);
	assert_int_equal(r->cookie, 7);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	assert_memory_equal(addr_of(&t, r, 0), a6, 16);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", a6);
	assert_memory_equal(addr_of(&t, r, 1), a6, 16);
	assert_int_equal(t.v[1].sport, 53);

	/* The protocol comes from the dump, not from the message. */
	sock_table_reset(&t);
	assert_true(parse(nb.b, nb.len, &t, DD_UDPLITE6, NULL) > 0);
	assert_int_equal(t.v[0].proto, SP_UDPLITE);
	sock_table_reset(&t);
	assert_true(parse(nb.b, nb.len, &t, DD_TCP6, NULL) > 0);
	assert_int_equal(t.v[1].proto, SP_TCP);
	sock_table_fini(&t);
}

/* A CLOSE_WAIT record carrying tcp_info of info_len bytes with last_ack_recv = 4024. */
static uint32_t close_wait_age(size_t info_len)
{
	struct nlbuf nb = { .len = 0 };
	struct inet_spec s = tcp4_estab;
	unsigned char info[sizeof(struct tcp_info) + 64];
	struct tcp_info ti;
	struct sock_table t;
	struct nlmsghdr *nlh;
	uint32_t age;

	assert_true(info_len <= sizeof(info));
	memset(info, 0x5a, sizeof(info)); /* bytes beyond our tcp_info: ignored */
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = TS_CLOSE_WAIT;
	ti.tcpi_last_ack_recv = 4024;
	ti.tcpi_last_data_recv = 6024;
	memcpy(info, &ti, sizeof(ti));
	s.state = TS_CLOSE_WAIT;
	nlh = nb_inet(&nb, &s);
	mnl_attr_put(nlh, INET_DIAG_INFO, info_len, info);
	nb_end(&nb, nlh);
	nb_done(&nb, 0);

	sock_table_init(&t);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].state, TS_CLOSE_WAIT);
	age = t.v[0].last_ack;
	if (age != SOCK_NO_AGE)
		assert_int_equal(t.v[0].last_data, 6024); /* with it, always */
	sock_table_fini(&t);
	return age;
}

static void test_close_wait_info(void **state)
{
	size_t need = offsetof(struct tcp_info, tcpi_last_ack_recv) + sizeof(uint32_t);

	(void)state;
	assert_int_equal(close_wait_age(sizeof(struct tcp_info)), 4024);
	/* A newer kernel's larger tcp_info (280 bytes on 6.18). */
	assert_int_equal(close_wait_age(sizeof(struct tcp_info) + 64), 4024);
	assert_int_equal(close_wait_age(need), 4024);
	/* Too short an (old) tcp_info to hold the field: no age rather than garbage. */
	assert_int_equal(close_wait_age(need - 1), SOCK_NO_AGE);
	assert_int_equal(close_wait_age(0), SOCK_NO_AGE);
}

/* An ESTABLISHED record with tcp_info of info_len bytes: what the table keeps of it. */
static int tcpi_of(size_t info_len, struct sock_tcpi *out)
{
	struct nlbuf nb = { .len = 0 };
	struct inet_spec s = tcp4_estab;
	unsigned char info[sizeof(struct tcp_info) + 64];
	struct tcp_info ti;
	struct sock_table t;
	struct nlmsghdr *nlh;
	int have;

	memset(info, 0x5a, sizeof(info));
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = TS_ESTABLISHED;
	ti.tcpi_rtt = 1500;
	ti.tcpi_rttvar = 250;
	ti.tcpi_lost = 2;
	ti.tcpi_total_retrans = 17;
	ti.tcpi_bytes_acked = 5000000000ull;
	ti.tcpi_bytes_received = 123456789ull;
	ti.tcpi_delivery_rate = 987654321ull;
	memcpy(info, &ti, sizeof(ti));
	nlh = nb_inet(&nb, &s);
	mnl_attr_put(nlh, INET_DIAG_INFO, info_len, info);
	nb_end(&nb, nlh);
	nb_done(&nb, 0);

	sock_table_init(&t);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), 0);
	assert_int_equal(t.n, 1);
	have = t.v[0].tcpi != SOCK_NO_TCPI;
	if (have)
		*out = t.ti[t.v[0].tcpi];
	sock_table_fini(&t);
	return have;
}

/*
 * rtt_only (a one-refresh run that shows no socket's tcp_info): the table
 * keeps each TCP socket's RTT alone, no tcp_info entry, and a CLOSE_WAIT
 * socket still gets its ages from it.
 */
static void test_rtt_only(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct inet_spec s = tcp4_estab;
	struct tcp_info ti;
	struct sock_table t;
	struct nlmsghdr *nlh;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		memset(&ti, 0, sizeof(ti));
		ti.tcpi_state = i == 2 ? TS_CLOSE_WAIT : TS_ESTABLISHED;
		ti.tcpi_rtt = 1000u + (unsigned)i;
		ti.tcpi_last_ack_recv = 4024;
		ti.tcpi_last_data_recv = 6024;
		s.state = (uint8_t)ti.tcpi_state;
		s.cookie = 100u + (unsigned)i;
		nlh = nb_inet(&nb, &s);
		mnl_attr_put(nlh, INET_DIAG_INFO, sizeof(ti), &ti);
		nb_end(&nb, nlh);
	}
	nb_done(&nb, 0);
	sock_table_init(&t);
	t.rtt_only = 1;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.nti, 0);
	assert_int_equal(t.nrtt, 3);
	for (i = 0; i < 3; i++) {
		assert_int_not_equal(t.v[i].tcpi, SOCK_NO_TCPI);
		assert_int_equal(t.rtt[t.v[i].tcpi], 1000 + i);
		assert_null(sock_tcpi(&t, &t.v[i]));
	}
	assert_int_equal(t.v[2].last_ack, 4024);
	assert_int_equal(t.v[2].last_data, 6024);
	/* A reset table keeps the mode (the caller sets it) and forgets the RTTs. */
	sock_table_reset(&t);
	assert_int_equal(t.nrtt, 0);
	t.rtt_only = 0;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), 0);
	assert_int_equal(t.nti, 3);
	assert_int_equal(t.nrtt, 0);
	assert_int_equal(sock_tcpi(&t, &t.v[1])->rtt_us, 1001);
	sock_table_fini(&t);
}

/* tcp_info grows with the kernel: each field is read only when the attribute holds it. */
static void test_tcp_info_fields(void **state)
{
	struct sock_tcpi x;
	size_t retrans = offsetof(struct tcp_info, tcpi_total_retrans) + sizeof(uint32_t);
	size_t received = offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(uint64_t);
	size_t drate = offsetof(struct tcp_info, tcpi_delivery_rate) + sizeof(uint64_t);

	(void)state;
	assert_true(tcpi_of(sizeof(struct tcp_info) + 64, &x)); /* a newer kernel's, larger */
	assert_int_equal(x.rtt_us, 1500);
	assert_int_equal(x.rttvar_us, 250);
	assert_int_equal(x.lost, 2);
	assert_int_equal(x.total_retrans, 17);
	assert_true(x.bytes_acked == 5000000000ull);
	assert_true(x.bytes_received == 123456789ull);
	assert_true(x.delivery_rate == 987654321ull);
	assert_int_equal(x.have, TCPI_BYTES | TCPI_DRATE);
	/* A 4.1 .. 4.8 kernel: the byte counters, no delivery rate. */
	assert_true(tcpi_of(drate - 1, &x));
	assert_int_equal(x.have, TCPI_BYTES);
	assert_true(x.delivery_rate == 0);
	/* Older: RTT and retransmits only; the counters are not garbage but absent. */
	assert_true(tcpi_of(received - 1, &x));
	assert_int_equal(x.have, 0);
	assert_true(x.bytes_received == 0 && x.bytes_acked == 0);
	assert_int_equal(x.total_retrans, 17);
	assert_true(tcpi_of(retrans, &x));
	/* Too short to hold even that: no tcp_info at all. */
	assert_false(tcpi_of(retrans - 1, &x));
	assert_false(tcpi_of(0, &x));
}

/*
 * The one-walk TCP reply: TCPDIAG_GETSOCK messages, both families mixed in
 * hash order, each record's family its message's.
 */
static void compat_reply(struct nlbuf *nb)
{
	struct inet_spec s6 = {
		.family = AF_INET6,
		.state = TS_CLOSE_WAIT,
		.sport = 443,
		.dport = 40000,
		.src = "2001:db8::1",
		.dst = "2001:db8::2",
		.inode = 77,
		.cookie = 0x1000000002ull,
	};
	struct inet_spec s4 = tcp4_estab;
	struct tcp_info ti;
	struct nlmsghdr *nlh;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_last_ack_recv = 1234;
	nb->len = 0;
	nb_end(nb, nb_inet_type(nb, TCPDIAG_GETSOCK, &s4));
	nlh = nb_inet_type(nb, TCPDIAG_GETSOCK, &s6);
	mnl_attr_put_u8(nlh, INET_DIAG_SHUTDOWN, 0);
	mnl_attr_put(nlh, INET_DIAG_INFO, sizeof(ti), &ti);
	nb_end(nb, nlh);
	s4.state = TS_LISTEN;
	s4.sport = 22;
	s4.dport = 0;
	s4.dst = "0.0.0.0";
	s4.cookie = 3;
	nb_end(nb, nb_inet_type(nb, TCPDIAG_GETSOCK, &s4));
	nb_done(nb, 0);
}

static void test_compat_records(void **state)
{
	struct nlbuf nb;
	struct sock_table t;
	const struct sock_rec *r;
	uint8_t a6[16];
	int status;

	(void)state;
	compat_reply(&nb);
	sock_table_init(&t);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(t.n, 3);
	r = &t.v[0];
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->proto, SP_TCP);
	assert_int_equal(r->state, TS_ESTABLISHED);
	assert_true(r->cookie == 0x5566778811223344ull);
	assert_int_equal(r->inode, 123456);
	assert_memory_equal(addr_of(&t, r, 0), "\x7f\x00\x00\x01", 4);
	assert_memory_equal(addr_of(&t, r, 0) + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	assert_int_equal(r->last_ack, SOCK_NO_AGE);
	r = &t.v[1];
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->proto, SP_TCP);
	assert_int_equal(r->state, TS_CLOSE_WAIT);
	assert_int_equal(r->sport, 443);
	assert_int_equal(r->dport, 40000);
	assert_true(r->cookie == 0x1000000002ull);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	assert_memory_equal(addr_of(&t, r, 0), a6, 16);
	inet_pton(AF_INET6, "2001:db8::2", a6);
	assert_memory_equal(addr_of(&t, r, 1), a6, 16);
	assert_int_equal(r->last_ack, 1234); /* idiag_ext is honoured for both families */
	r = &t.v[2];
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->state, TS_LISTEN);
	assert_int_equal(r->sport, 22);

	/* The TCP/IPv6 slot reads it alike (a dump by family there has the other type). */
	sock_table_reset(&t);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP6, &status), 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.v[1].family, AF_INET6);
	assert_int_equal(t.v[1].proto, SP_TCP);
	sock_table_fini(&t);
}

/* TCPDIAG_GETSOCK is a TCP reply: in a reply to any other dump it is no record. */
static void test_compat_other_dumps(void **state)
{
	static const enum diag_dump others[] = { DD_UDP4, DD_UDP6, DD_UDPLITE4, DD_UDPLITE6,
						 DD_UNIX };
	struct nlbuf nb;
	struct sock_table t;
	size_t i;
	int status;

	(void)state;
	compat_reply(&nb);
	sock_table_init(&t);
	for (i = 0; i < ARRAY_LEN(others); i++) {
		assert_int_equal(parse(nb.b, nb.len, &t, others[i], &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(t.n, 0);
	}
	sock_table_fini(&t);
}

/* A bad record in a one-walk reply undoes the whole buffer's records, not earlier ones. */
static void test_compat_rollback(void **state)
{
	struct nlbuf nb;
	struct sock_table t;
	struct nlmsghdr *nlh;
	struct inet_spec s6 = {
		.family = AF_INET6, .state = TS_ESTABLISHED, .src = "::1", .dst = "::1", .cookie = 9
	};

	(void)state;
	sock_table_init(&t);
	nb.len = 0;
	nb_end(&nb, nb_inet_type(&nb, TCPDIAG_GETSOCK, &tcp4_estab));
	assert_true(parse(nb.b, nb.len, &t, DD_TCP4, NULL) > 0);
	assert_int_equal(t.n, 1);

	/* Next recv(): a good v6 record, then one whose attribute overruns its message. */
	nb.len = 0;
	nb_end(&nb, nb_inet_type(&nb, TCPDIAG_GETSOCK, &s6));
	nlh = nb_inet_type(&nb, TCPDIAG_GETSOCK, &s6);
	mnl_attr_put_u32(nlh, INET_DIAG_MARK, 1);
	nb_end(&nb, nlh);
	((struct nlattr *)((char *)nlh + nlh->nlmsg_len - MNL_ALIGN(MNL_ATTR_HDRLEN + 4)))
		->nla_len = 64;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].family, AF_INET);
	/* A message too short for struct inet_diag_msg, likewise. */
	nb.len = 0;
	nb_end(&nb, nb_inet_type(&nb, TCPDIAG_GETSOCK, &s6));
	nlh = nb_begin(&nb, TCPDIAG_GETSOCK);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct inet_diag_msg) - 4);
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	assert_int_equal(t.n, 1);
	sock_table_fini(&t);
}

/*
 * ctx.refused: the request was refused (NLMSG_ERROR with an error), which is
 * how a kernel without the one-walk request answers it; a dump that ends with
 * an error in NLMSG_DONE ran, and is not refused.
 */
static void test_refused(void **state)
{
	static const int codes[] = { -EINVAL, -EOPNOTSUPP, -ENOENT, -EPERM };
	struct diag_parse_ctx ctx;
	struct nlbuf nb;
	struct sock_table t;
	size_t i;

	(void)state;
	sock_table_init(&t);
	for (i = 0; i < ARRAY_LEN(codes); i++) {
		nb.len = 0;
		nb_error_type(&nb, TCPDIAG_GETSOCK, codes[i]);
		ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4, .refused = 7 };
		assert_int_equal(diag_parse(nb.b, nb.len, &ctx), 0);
		assert_int_equal(ctx.status, codes[i]);
		assert_int_equal(ctx.refused, 1);
	}
	/* An acknowledgement (error 0) is no refusal. */
	nb.len = 0;
	nb_error_type(&nb, TCPDIAG_GETSOCK, 0);
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4, .refused = 7 };
	assert_int_equal(diag_parse(nb.b, nb.len, &ctx), 0);
	assert_int_equal(ctx.status, 0);
	assert_int_equal(ctx.refused, 0);
	/* DONE -ENOENT: the request ran, the TCP diag module is missing. */
	nb.len = 0;
	nb_done(&nb, -ENOENT);
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4, .refused = 7 };
	assert_int_equal(diag_parse(nb.b, nb.len, &ctx), 0);
	assert_int_equal(ctx.status, -ENOENT);
	assert_int_equal(ctx.refused, 0);
	/* Records, then more to come: nothing refused. */
	nb.len = 0;
	nb_end(&nb, nb_inet_type(&nb, TCPDIAG_GETSOCK, &tcp4_estab));
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4, .refused = 7 };
	assert_true(diag_parse(nb.b, nb.len, &ctx) > 0);
	assert_int_equal(ctx.refused, 0);
	/* A malformed buffer: an error, and neither a status nor a refusal. */
	nb.len = 0;
	nb_error_type(&nb, TCPDIAG_GETSOCK, -EINVAL);
	((struct nlmsghdr *)nb.b)->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4, .refused = 7 };
	assert_int_equal(diag_parse(nb.b, MNL_ALIGN(MNL_NLMSG_HDRLEN + 2), &ctx), -EBADMSG);
	assert_int_equal(ctx.status, 0);
	assert_int_equal(ctx.refused, 0);
	sock_table_fini(&t);
}

static void test_unix_records(void **state)
{
	static const char abstract[] = "\0sw\xff\xfe\0x\x80"; /* NULs, invalid UTF-8 */
	static const char path[] = "/run/sw.sock";
	struct nlbuf nb = { .len = 0 };
	struct unix_diag_rqlen q = { .udiag_rqueue = 3, .udiag_wqueue = 8 };
	struct sock_table t;
	struct nlmsghdr *nlh;
	const struct sock_rec *r;
	const char *name;
	size_t len;
	int status;

	(void)state;
	sock_table_init(&t);
	nlh = nb_unix(&nb, SOCK_STREAM, TS_LISTEN, 1001, 0x100000002ull);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, sizeof(abstract) - 1, abstract);
	mnl_attr_put(nlh, UNIX_DIAG_RQLEN, sizeof(q), &q);
	mnl_attr_put_u32(nlh, UNIX_DIAG_UID, 65534);
	nb_end(&nb, nlh);
	nlh = nb_unix(&nb, SOCK_DGRAM, TS_CLOSE, 1002, 5);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, sizeof(path), path); /* kernel includes the NUL */
	mnl_attr_put_u32(nlh, UNIX_DIAG_PEER, 1003);
	nb_end(&nb, nlh);
	nb_end(&nb, nb_unix(&nb, 99, TS_CLOSE, 1004, 6)); /* unknown type: skipped */
	nlh = nb_unix(&nb, SOCK_SEQPACKET, TS_ESTABLISHED, 1005, 7);
	mnl_attr_put(nlh, UNIX_DIAG_NAME, 0, ""); /* unnamed */
	nb_end(&nb, nlh);
	nb_done(&nb, 0);

	assert_int_equal(parse(nb.b, nb.len, &t, DD_UNIX, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(t.n, 3);

	r = &t.v[0];
	assert_int_equal(r->family, AF_UNIX);
	assert_int_equal(r->proto, SP_UNIX_STREAM);
	assert_int_equal(r->state, TS_LISTEN);
	assert_int_equal(r->inode, 1001);
	assert_true(r->cookie == 0x100000002ull);
	assert_int_equal(r->rqueue, 3);
	assert_int_equal(r->wqueue, 8);
	assert_int_equal(r->uid, 65534);
	assert_int_equal(r->peer, 0);
	assert_int_not_equal(r->name, 0);
	name = strpool_get(&t.names, r->name, &len);
	assert_int_equal(len, sizeof(abstract) - 1);
	assert_memory_equal(name, abstract, len);
	assert_int_equal(r->last_ack, SOCK_NO_AGE);

	r = &t.v[1];
	assert_int_equal(r->proto, SP_UNIX_DGRAM);
	assert_int_equal(r->peer, 1003);
	name = strpool_get(&t.names, r->name, &len);
	assert_int_equal(len, strlen(path));
	assert_memory_equal(name, path, len);

	r = &t.v[2];
	assert_int_equal(r->proto, SP_UNIX_SEQPACKET);
	assert_int_equal(r->inode, 1005);
	assert_int_equal(r->name, 0);
	sock_table_fini(&t);
}

static void test_done_status(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct sock_table t;
	struct nlmsghdr *nlh;
	int status;

	(void)state;
	sock_table_init(&t);
	/* A missing inet diag module: DONE with -ENOENT, no records. */
	nb_done(&nb, -ENOENT);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_UDPLITE4, &status), 0);
	assert_int_equal(status, -ENOENT);
	assert_int_equal(t.n, 0);

	nb.len = 0;
	nb_done(&nb, 0);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, &status), 0);
	assert_int_equal(status, 0);

	/* A DONE without payload (old kernels) is a plain end. */
	nb.len = 0;
	nlh = nb_begin(&nb, NLMSG_DONE);
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, &status), 0);
	assert_int_equal(status, 0);

	/* Records, then DONE, then anything after it is ignored. */
	nb.len = 0;
	nb_end(&nb, nb_inet(&nb, &tcp4_estab));
	nb_done(&nb, -ENOENT);
	nb_end(&nb, nb_inet(&nb, &tcp4_estab));
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, &status), 0);
	assert_int_equal(status, -ENOENT);
	assert_int_equal(t.n, 1);
	sock_table_fini(&t);
}

static void test_error_status(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct sock_table t;
	int status;

	(void)state;
	sock_table_init(&t);
	/* A missing family: NLMSG_ERROR -ENOENT. */
	nb_error(&nb, -ENOENT);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_UNIX, &status), 0);
	assert_int_equal(status, -ENOENT);
	nb.len = 0;
	nb_error(&nb, -EINVAL);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP6, &status), 0);
	assert_int_equal(status, -EINVAL);
	/* Positive codes are normalised. */
	nb.len = 0;
	nb_error(&nb, EPERM);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP6, &status), 0);
	assert_int_equal(status, -EPERM);
	assert_int_equal(t.n, 0);
	sock_table_fini(&t);
}

/* Records then DONE, across several buffers; the table keeps growing. */
static void test_multi_message(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct inet_spec s = tcp4_estab;
	struct sock_table t;
	struct nlmsghdr *nlh;
	uint16_t port;
	size_t i;
	int status;

	(void)state;
	sock_table_init(&t);
	for (port = 1000; port < 1050; port++) {
		s.sport = port;
		s.cookie = port;
		nlh = nb_inet(&nb, &s);
		mnl_attr_put_u8(nlh, INET_DIAG_SHUTDOWN, 0);
		nb_end(&nb, nlh);
	}
	assert_true(parse(nb.b, nb.len, &t, DD_TCP4, &status) > 0);
	assert_true(parse(nb.b, nb.len, &t, DD_TCP4, &status) > 0);
	nb.len = 0;
	nb_done(&nb, 0);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(t.n, 100);
	for (i = 0; i < 100; i++) {
		assert_int_equal(t.v[i].sport, 1000 + i % 50);
		assert_int_equal(t.v[i].cookie, 1000 + i % 50);
	}
	/* An empty read is no progress, not an end. */
	assert_true(parse(nb.b, 0, &t, DD_TCP4, &status) > 0);
	sock_table_fini(&t);
}

/* Sequence, port id and NLM_F_DUMP_INTR are checked. */
static void test_seq_portid(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct diag_parse_ctx ctx;
	struct sock_table t;
	struct nlmsghdr *nlh;

	(void)state;
	sock_table_init(&t);
	nb_end(&nb, nb_inet(&nb, &tcp4_estab));
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4, .seq = TEST_SEQ + 1 };
	assert_int_equal(diag_parse(nb.b, nb.len, &ctx), -EPROTO);
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4, .portid = TEST_PORTID + 1 };
	assert_int_equal(diag_parse(nb.b, nb.len, &ctx), -ESRCH);
	assert_int_equal(t.n, 0);
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4 };
	assert_true(diag_parse(nb.b, nb.len, &ctx) > 0);
	assert_int_equal(t.n, 1);

	nlh = nb_begin(&nb, SOCK_DIAG_BY_FAMILY);
	nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct inet_diag_msg));
	nb_end(&nb, nlh);
	sock_table_reset(&t);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EINTR);
	assert_int_equal(t.n, 0); /* rolled back */

	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_COUNT };
	assert_int_equal(diag_parse(nb.b, nb.len, &ctx), -EINVAL);
	/* An unaligned buffer is refused rather than read. */
	ctx = (struct diag_parse_ctx){ .t = &t, .dump = DD_TCP4 };
	assert_int_equal(diag_parse(nb.b + 1, 16, &ctx), -EINVAL);
	sock_table_fini(&t);
}

/*
 * Build one valid two-message reply: a TCP record with attributes in a message
 * of the given type, then DONE.
 */
static size_t two_messages_type(struct nlbuf *nb, uint16_t type, size_t *first)
{
	struct nlmsghdr *nlh;
	struct tcp_info ti;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_last_ack_recv = 1;
	nb->len = 0;
	nlh = nb_inet_type(nb, type, &tcp4_estab);
	mnl_attr_put_u8(nlh, INET_DIAG_SHUTDOWN, 3);
	mnl_attr_put(nlh, INET_DIAG_INFO, sizeof(ti), &ti);
	mnl_attr_put_u64(nlh, INET_DIAG_CGROUP_ID, 1);
	nb_end(nb, nlh);
	*first = nb->len;
	nb_done(nb, 0);
	return nb->len;
}

static size_t two_messages(struct nlbuf *nb, size_t *first)
{
	return two_messages_type(nb, SOCK_DIAG_BY_FAMILY, first);
}

/*
 * Every prefix of a valid reply, each in a heap block of exactly that size
 * (so valgrind or ASan catch any read past it): never a crash; an error
 * unless the cut falls between messages; an error leaves the table as it was.
 */
static void truncated(uint16_t type)
{
	struct nlbuf nb;
	struct sock_table t;
	size_t first, total, k;

	total = two_messages_type(&nb, type, &first);
	sock_table_init(&t);
	for (k = 0; k <= total; k++) {
		char *p = malloc(k ? k : 1);
		int ret;

		assert_non_null(p);
		memcpy(p, nb.b, k);
		sock_table_reset(&t);
		ret = parse(p, k, &t, DD_TCP4, NULL);
		if (k == total) {
			assert_int_equal(ret, 0);
			assert_int_equal(t.n, 1);
		} else if (k == 0 || k == first) {
			assert_true(ret > 0);
			assert_int_equal(t.n, k ? 1 : 0);
		} else {
			assert_int_equal(ret, -EBADMSG);
			assert_int_equal(t.n, 0);
		}
		free(p);
	}
	sock_table_fini(&t);
}

static void test_truncated(void **state)
{
	(void)state;
	truncated(SOCK_DIAG_BY_FAMILY);
	truncated(TCPDIAG_GETSOCK); /* the one-walk TCP reply is checked alike */
}

/* A message whose last attribute has lost its padding is still whole. */
static void test_unpadded_tail(void **state)
{
	struct nlbuf nb = { .len = 0 };
	struct sock_table t;
	struct nlmsghdr *nlh;
	char *p;

	(void)state;
	nlh = nb_inet(&nb, &tcp4_estab);
	mnl_attr_put_u8(nlh, INET_DIAG_SHUTDOWN, 1);
	nlh->nlmsg_len -= 3; /* 5-byte attribute, no padding */
	nb.len = nlh->nlmsg_len;
	p = malloc(nb.len);
	assert_non_null(p);
	memcpy(p, nb.b, nb.len);
	sock_table_init(&t);
	assert_true(parse(p, nb.len, &t, DD_TCP4, NULL) > 0);
	assert_int_equal(t.n, 1);
	free(p);
	sock_table_fini(&t);
}

static void test_bad_attributes(void **state)
{
	struct nlbuf nb;
	struct sock_table t;
	struct nlmsghdr *nlh;
	struct nlattr *a;
	size_t first;

	(void)state;
	sock_table_init(&t);

	/* An attribute longer than its message (which still fits the buffer). */
	two_messages(&nb, &first);
	nlh = (struct nlmsghdr *)nb.b;
	a = (struct nlattr *)(nb.b + first - MNL_ALIGN(MNL_ATTR_HDRLEN + 8));
	assert_int_equal(a->nla_type, INET_DIAG_CGROUP_ID);
	a->nla_len = MNL_ATTR_HDRLEN + 8 + 4;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	a->nla_len = 0xffff;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	/* Shorter than its own header. */
	a->nla_len = 2;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	assert_int_equal(t.n, 0);

	/* A message cut inside its last attribute. */
	two_messages(&nb, &first);
	nlh->nlmsg_len -= 2;
	assert_int_equal(parse(nb.b, nlh->nlmsg_len, &t, DD_TCP4, NULL), -EBADMSG);
	/* Stray bytes after the last attribute. */
	two_messages(&nb, &first);
	nlh->nlmsg_len += 2;
	assert_int_equal(parse(nb.b, nlh->nlmsg_len, &t, DD_TCP4, NULL), -EBADMSG);

	/* A payload shorter than struct inet_diag_msg. */
	nb.len = 0;
	nlh = nb_begin(&nb, SOCK_DIAG_BY_FAMILY);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct inet_diag_msg) - 4);
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	/* ... or than struct unix_diag_msg. */
	nb.len = 0;
	nlh = nb_begin(&nb, SOCK_DIAG_BY_FAMILY);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct unix_diag_msg) - 4);
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_UNIX, NULL), -EBADMSG);

	/* UNIX attributes too short for their type. */
	nb.len = 0;
	nlh = nb_unix(&nb, SOCK_STREAM, TS_ESTABLISHED, 1, 1);
	mnl_attr_put_u16(nlh, UNIX_DIAG_PEER, 5);
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_UNIX, NULL), -EBADMSG);
	nb.len = 0;
	nlh = nb_unix(&nb, SOCK_STREAM, TS_ESTABLISHED, 1, 1);
	mnl_attr_put_u32(nlh, UNIX_DIAG_RQLEN, 5);
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_UNIX, NULL), -EBADMSG);

	/* A message header claiming less than itself, or more than the buffer. */
	nb.len = 0;
	nb_done(&nb, 0);
	nlh = (struct nlmsghdr *)nb.b;
	nlh->nlmsg_len = 8;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	nlh->nlmsg_len = 0;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	nlh->nlmsg_len = UINT32_MAX;
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	/* A DONE whose code is cut, an ERROR without its nlmsgerr. */
	nb.len = 0;
	nlh = nb_begin(&nb, NLMSG_DONE);
	mnl_nlmsg_put_extra_header(nlh, 2);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	nb.len = 0;
	nlh = nb_begin(&nb, NLMSG_ERROR);
	mnl_nlmsg_put_extra_header(nlh, 4);
	nb_end(&nb, nlh);
	assert_int_equal(parse(nb.b, nb.len, &t, DD_TCP4, NULL), -EBADMSG);
	assert_int_equal(t.n, 0);
	sock_table_fini(&t);
}

/* Random bytes, and random damage to a valid reply: never a crash. */
static void test_garbage(void **state)
{
	struct nlbuf nb;
	struct sock_table t;
	unsigned seed = 1;
	size_t first, total;
	int i, j;

	(void)state;
	sock_table_init(&t);
	for (i = 0; i < 20000; i++) {
		char *p;

		total = two_messages_type(&nb, i % 2 ? TCPDIAG_GETSOCK : SOCK_DIAG_BY_FAMILY,
					  &first);
		for (j = 0; j < 4; j++) {
			seed = seed * 1103515245u + 12345u;
			nb.b[(seed >> 8) % total] = (char)(seed >> 20);
		}
		p = malloc(total);
		assert_non_null(p);
		memcpy(p, nb.b, total);
		sock_table_reset(&t);
		(void)parse(p, total, &t, (enum diag_dump)(i % DD_COUNT), NULL);
		assert_true(t.n <= 1);
		free(p);
	}
	sock_table_fini(&t);
}

/* Recorded fixtures: [u32 length][bytes] per recv(), host byte order. */

/* Read a whole fixture file; NULL if absent. */
static char *fixture_load(const char *name, size_t *len)
{
	char path[PATH_MAX];
	char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/diag/%s", SW_FIXTURES, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Feed a recorded reply to the parser one recv() at a time, as dump.c does. */
static void fixture_parse(const char *name, enum diag_dump dump, struct sock_table *t)
{
	struct diag_parse_ctx ctx = { .t = t, .dump = dump };
	size_t len, off = 0;
	char *file = fixture_load(name, &len);
	int ret = 1, chunks = 0;

	if (file == NULL)
		fail_msg("fixture %s missing (re-record with test_diag --record)", name);
	while (off < len) {
		uint32_t n;
		char *p;

		assert_int_not_equal(ret, 0); /* nothing after the end */
		assert_true(len - off >= sizeof(n));
		memcpy(&n, file + off, sizeof(n));
		off += sizeof(n);
		assert_true(n <= len - off);
		p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, file + off, n);
		ret = diag_parse(p, n, &ctx);
		free(p);
		off += n;
		chunks++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(ctx.status, 0);
	assert_true(chunks >= 1);
	free(file);
}

static const struct sock_rec *find_inet(const struct sock_table *t, int state, uint16_t sport,
					uint16_t dport)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct sock_rec *r = &t->v[i];

		if (r->family != AF_UNIX && r->state == state && r->sport == sport &&
		    (dport == 0 || r->dport == dport))
			return r;
	}
	return NULL;
}

static size_t count_state(const struct sock_table *t, int state)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->v[i].state == state;
	return n;
}

/* Records by (family, protocol, cookie). */
static int rec_key_cmp(const void *pa, const void *pb)
{
	const struct sock_rec *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->cookie != b->cookie)
		return a->cookie < b->cookie ? -1 : 1;
	return 0;
}

/* What the recorder set up; see fixture_record(). */
#define REC_TCP4_PORT 7001
#define REC_TCP6_PORT 7002
#define REC_UDP4_PORT 7003
#define REC_UDP6_PORT 7004
#define REC_BACKLOG   8
#define REC_WAIT_MS   300
#define REC_UNIX_PATH "/tmp/sockwatch-diag-record.sock"
static const char rec_abstract[] = "\0sockwatch\xff\x01rec";

static void test_fixture_tcp(void **state)
{
	struct sock_table t;
	const struct sock_rec *r;
	size_t i;

	(void)state;
	sock_table_init(&t);
	fixture_parse("tcp4.bin", DD_TCP4, &t);
	/* listener with one unaccepted connection in its queue */
	r = find_inet(&t, TS_LISTEN, REC_TCP4_PORT, 0);
	assert_non_null(r);
	assert_int_equal(r->rqueue, 1);
	assert_int_equal(r->wqueue, REC_BACKLOG);
	assert_int_not_equal(r->inode, 0);
	assert_memory_equal(addr_of(&t, r, 0), "\x7f\0\0\x01", 4);
	/* the queued child: ESTAB, no inode yet */
	for (i = 0; i < t.n; i++)
		if (t.v[i].sport == REC_TCP4_PORT && t.v[i].state == TS_ESTABLISHED &&
		    t.v[i].inode == 0)
			break;
	assert_true(i < t.n);
	/* the client whose peer is in CLOSE_WAIT sits in FIN_WAIT2 */
	for (i = 0; i < t.n; i++)
		if (t.v[i].state == TS_FIN_WAIT2 && t.v[i].dport == REC_TCP4_PORT)
			break;
	assert_true(i < t.n);
	assert_int_equal(count_state(&t, TS_CLOSE_WAIT), 1);
	assert_int_equal(count_state(&t, TS_ESTABLISHED), 4);
	assert_int_equal(count_state(&t, TS_LISTEN), 1);
	assert_int_equal(t.n, 7);
	for (i = 0; i < t.n; i++) {
		assert_int_equal(t.v[i].family, AF_INET);
		assert_int_equal(t.v[i].proto, SP_TCP);
		assert_int_equal(t.v[i].last_ack, SOCK_NO_AGE); /* no tcp_info asked */
	}

	sock_table_reset(&t);
	fixture_parse("tcp4_cw.bin", DD_TCP4, &t);
	assert_int_equal(t.n, 1);
	r = &t.v[0];
	assert_int_equal(r->state, TS_CLOSE_WAIT);
	assert_int_equal(r->sport, REC_TCP4_PORT);
	assert_int_not_equal(r->inode, 0);
	assert_true(r->last_ack >= REC_WAIT_MS && r->last_ack < 60000);
	/* No data comes after the peer's FIN, whose ACK is at or before the last one. */
	assert_true(r->last_data >= r->last_ack && r->last_data < 60000);

	sock_table_reset(&t);
	fixture_parse("tcp6.bin", DD_TCP6, &t);
	r = find_inet(&t, TS_LISTEN, REC_TCP6_PORT, 0);
	assert_non_null(r);
	assert_int_equal(r->family, AF_INET6);
	assert_memory_equal(addr_of(&t, r, 0), "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	assert_int_equal(count_state(&t, TS_ESTABLISHED), 2);
	sock_table_fini(&t);
}

/* Whether two records of one socket, from two dumps of the same moment, agree. */
static void assert_same_socket(const struct sock_table *ta, const struct sock_rec *a,
			       const struct sock_table *tb, const struct sock_rec *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_memory_equal(addr_of(ta, a, 0), addr_of(tb, b, 0), 16);
	assert_memory_equal(addr_of(ta, a, 1), addr_of(tb, b, 1), 16);
	assert_int_equal(a->inode, b->inode);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->rqueue, b->rqueue);
	assert_int_equal(a->wqueue, b->wqueue);
}

/*
 * The one-walk reply (tcp.bin) holds exactly the sockets of the two replies by
 * family (tcp4.bin, tcp6.bin), recorded a moment apart: same cookies, same
 * records. Its CLOSE_WAIT pass (tcp_cw.bin) gives both families their age.
 */
static void test_fixture_tcp_both(void **state)
{
	struct sock_table both, split;
	size_t i, n4, v4 = 0, v6 = 0;

	(void)state;
	sock_table_init(&both);
	sock_table_init(&split);
	fixture_parse("tcp.bin", DD_TCP4, &both);
	fixture_parse("tcp4.bin", DD_TCP4, &split);
	n4 = split.n;
	fixture_parse("tcp6.bin", DD_TCP6, &split);
	assert_int_equal(both.n, split.n);
	qsort(both.v, both.n, sizeof(*both.v), rec_key_cmp);
	qsort(split.v, split.n, sizeof(*split.v), rec_key_cmp);
	for (i = 0; i < both.n; i++) {
		assert_int_equal(rec_key_cmp(&both.v[i], &split.v[i]), 0);
		assert_same_socket(&both, &both.v[i], &split, &split.v[i]);
		assert_int_equal(both.v[i].proto, SP_TCP);
		v4 += both.v[i].family == AF_INET;
		v6 += both.v[i].family == AF_INET6;
	}
	assert_int_equal(v4, n4);
	assert_int_equal(v6, split.n - n4);
	assert_true(v4 > 0 && v6 > 0);

	sock_table_reset(&both);
	fixture_parse("tcp_cw.bin", DD_TCP4, &both);
	assert_int_equal(both.n, 2);
	for (i = 0; i < both.n; i++) {
		const struct sock_rec *r = &both.v[i];
		const struct sock_rec *key =
			bsearch(r, split.v, split.n, sizeof(*split.v), rec_key_cmp);

		assert_int_equal(r->state, TS_CLOSE_WAIT);
		assert_non_null(key); /* the same socket as in the main dump */
		assert_int_equal(key->state, TS_CLOSE_WAIT);
		assert_true(r->last_ack >= REC_WAIT_MS && r->last_ack < 60000);
	}
	assert_int_not_equal(both.v[0].family, both.v[1].family);
	sock_table_fini(&both);
	sock_table_fini(&split);
}

static void test_fixture_udp(void **state)
{
	struct sock_table t;
	const struct sock_rec *r;

	(void)state;
	sock_table_init(&t);
	fixture_parse("udp4.bin", DD_UDP4, &t);
	assert_int_equal(t.n, 2);
	r = find_inet(&t, TS_CLOSE, REC_UDP4_PORT, 0);
	assert_non_null(r);
	assert_int_equal(r->proto, SP_UDP);
	r = find_inet(&t, TS_ESTABLISHED,
		      t.v[0].sport == REC_UDP4_PORT ? t.v[1].sport : t.v[0].sport, REC_UDP4_PORT);
	assert_non_null(r);
	sock_table_reset(&t);
	fixture_parse("udp6.bin", DD_UDP6, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].sport, REC_UDP6_PORT);
	assert_int_equal(t.v[0].family, AF_INET6);
	sock_table_fini(&t);
}

static void test_fixture_unix(void **state)
{
	struct sock_table t;
	const struct sock_rec *abs = NULL, *path = NULL, *a = NULL, *b = NULL;
	size_t i;

	(void)state;
	sock_table_init(&t);
	fixture_parse("unix.bin", DD_UNIX, &t);
	for (i = 0; i < t.n; i++) {
		const struct sock_rec *r = &t.v[i];
		size_t len;
		const char *name = strpool_get(&t.names, r->name, &len);

		assert_int_equal(r->family, AF_UNIX);
		if (len == sizeof(rec_abstract) - 1 && memcmp(name, rec_abstract, len) == 0)
			abs = r;
		else if (len >= strlen(REC_UNIX_PATH) && strcmp(name, REC_UNIX_PATH) == 0)
			path = r;
		else if (r->proto == SP_UNIX_DGRAM && r->name == 0) {
			if (a == NULL)
				a = r;
			else
				b = r;
		}
	}
	assert_non_null(abs);
	assert_int_equal(abs->proto, SP_UNIX_STREAM);
	assert_int_equal(abs->state, TS_LISTEN);
	assert_int_equal(abs->wqueue, REC_BACKLOG);
	assert_non_null(path);
	assert_int_equal(path->proto, SP_UNIX_SEQPACKET);
	assert_int_equal(path->state, TS_LISTEN);
	/* the datagram socketpair names each other */
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->peer, b->inode);
	assert_int_equal(b->peer, a->inode);
	sock_table_fini(&t);
}

/* Live: sockets of this process, found in a real dump. */

static uint32_t fd_inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return (uint32_t)st.st_ino;
}

static uint16_t fd_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* A TCP socket connected to 127.0.0.1:port. */
static int tcp4_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static int tcp4_listen(uint16_t port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/* Wait (up to 5 s) until the peer's FIN reached fd: fd is then in CLOSE_WAIT. */
static void wait_eof(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(recv(fd, &c, 1, 0), 0);
}

static const struct sock_rec *find_inode(const struct sock_table *t, uint32_t ino)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].inode == ino)
			return &t->v[i];
	return NULL;
}

/* TCP over ::1, where the host has IPv6 on loopback. */
struct live6 {
	int ok;		   /* 0: no IPv6 here, the rest unset */
	int lfd, cfd, afd; /* listener, a client, its accepted end */
	int a2;		   /* in CLOSE_WAIT: its client closed */
	uint16_t port;
};

static void live6_open(struct live6 *v)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sin6);
	int one = 1, c2;

	memset(v, 0, sizeof(*v));
	v->lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (v->lfd < 0)
		return;
	setsockopt(v->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(v->lfd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		close(v->lfd);
		return;
	}
	assert_int_equal(listen(v->lfd, 4), 0);
	assert_int_equal(getsockname(v->lfd, (struct sockaddr *)&sin6, &len), 0);
	v->port = ntohs(sin6.sin6_port);
	v->cfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(v->cfd >= 0);
	assert_int_equal(connect(v->cfd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	v->afd = accept(v->lfd, NULL, NULL);
	assert_true(v->afd >= 0);
	c2 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c2 >= 0);
	assert_int_equal(connect(c2, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	v->a2 = accept(v->lfd, NULL, NULL);
	assert_true(v->a2 >= 0);
	close(c2);
	wait_eof(v->a2);
	v->ok = 1;
}

static void live6_close(struct live6 *v)
{
	if (!v->ok)
		return;
	close(v->a2);
	close(v->afd);
	close(v->cfd);
	close(v->lfd);
}

/* The IPv6 sockets of v in t, with their states, and an age for the CLOSE_WAIT one. */
static void live6_check(const struct live6 *v, const struct sock_table *t)
{
	const struct sock_rec *r;

	if (!v->ok)
		return;
	r = find_inode(t, fd_inode(v->lfd));
	assert_non_null(r);
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->proto, SP_TCP);
	assert_int_equal(r->state, TS_LISTEN);
	assert_int_equal(r->sport, v->port);
	r = find_inode(t, fd_inode(v->afd));
	assert_non_null(r);
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->state, TS_ESTABLISHED);
	assert_memory_equal(addr_of(t, r, 1), &in6addr_loopback, 16);
	assert_int_equal(r->last_ack, SOCK_NO_AGE);
	r = find_inode(t, fd_inode(v->a2));
	assert_non_null(r);
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->state, TS_CLOSE_WAIT);
	assert_int_not_equal(r->last_ack, SOCK_NO_AGE);
	assert_true(r->last_ack < 60000);
}

/* Every socket once: (family, proto, cookie) is unique within a round. */
static void assert_unique(struct sock_table *t)
{
	size_t i;

	qsort(t->v, t->n, sizeof(*t->v), rec_key_cmp);
	for (i = 1; i < t->n; i++)
		assert_int_not_equal(rec_key_cmp(&t->v[i - 1], &t->v[i]), 0);
}

static void test_live_dump(void **state)
{
	struct diag_status st;
	struct sock_table t;
	const struct sock_rec *r;
	struct diag *d;
	struct live6 v6;
	char *cause = NULL;
	int lfd, cfd, afd, c2, a2, up[2];
	uint16_t port, cport;
	size_t i, n, before;

	(void)state;
	live6_open(&v6);
	lfd = tcp4_listen(0, 4);
	port = fd_port(lfd);
	cfd = tcp4_connect(port);
	cport = fd_port(cfd);
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	c2 = tcp4_connect(port);
	a2 = accept(lfd, NULL, NULL);
	assert_true(a2 >= 0);
	close(c2);
	wait_eof(a2);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, up), 0);

	d = diag_new(&cause);
	if (d == NULL)
		fail_msg("diag_new: %s", cause);
	sock_table_init(&t);
	assert_int_equal(diag_dump_all(d, &t, &st), 0);
	assert_int_equal(st.err[DD_TCP4], 0);
	assert_int_equal(st.err[DD_TCP6], 0);
	assert_int_equal(st.err[DD_UDP4], 0);
	assert_int_equal(st.err[DD_UNIX], 0);
	if (diag_tcp_by_family(d))
		print_message("note: this kernel refused the one-walk TCP request\n");
	live6_check(&v6, &t);

	r = find_inode(&t, fd_inode(lfd));
	assert_non_null(r);
	assert_int_equal(r->state, TS_LISTEN);
	assert_int_equal(r->sport, port);
	assert_int_equal(r->proto, SP_TCP);
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->wqueue, 4);
	r = find_inode(&t, fd_inode(cfd));
	assert_non_null(r);
	assert_int_equal(r->state, TS_ESTABLISHED);
	assert_int_equal(r->sport, cport);
	assert_int_equal(r->dport, port);
	assert_int_equal(r->last_ack, SOCK_NO_AGE);
	r = find_inode(&t, fd_inode(afd));
	assert_non_null(r);
	assert_int_equal(r->state, TS_ESTABLISHED);
	assert_int_equal(r->sport, port);
	assert_int_equal(r->dport, cport);
	assert_memory_equal(addr_of(&t, r, 1), "\x7f\0\0\x01", 4);
	r = find_inode(&t, fd_inode(a2));
	assert_non_null(r);
	assert_int_equal(r->state, TS_CLOSE_WAIT);
	assert_int_not_equal(r->last_ack, SOCK_NO_AGE);
	assert_true(r->last_ack < 60000);
	r = find_inode(&t, fd_inode(up[0]));
	assert_non_null(r);
	assert_int_equal(r->family, AF_UNIX);
	assert_int_equal(r->proto, SP_UNIX_STREAM);
	assert_int_equal(r->peer, fd_inode(up[1]));
	assert_int_equal(r->uid, getuid());

	assert_unique(&t);

	/* A second round appends; the socket is reusable. */
	before = t.n;
	assert_int_equal(diag_dump_all(d, &t, NULL), 0);
	assert_true(t.n > before);
	for (i = 0, n = 0; i < t.n; i++)
		n += t.v[i].inode == fd_inode(lfd);
	assert_int_equal(n, 2);

	/* Skipped dumps list nothing and fail nothing; TCP is skipped only as a whole. */
	sock_table_reset(&t);
	assert_int_equal(
		diag_dump_some(d, &t, &st,
			       DIAG_SKIP(DD_TCP4) | DIAG_SKIP(DD_UDP4) | DIAG_SKIP(DD_UNIX)),
		0);
	if (!diag_tcp_by_family(d)) /* TCP/IPv6 still wanted: the one request runs */
		assert_non_null(find_inode(&t, fd_inode(lfd)));
	assert_null(find_inode(&t, fd_inode(up[0])));
	for (i = 0; i < DD_COUNT; i++)
		assert_int_equal(st.err[i], 0);
	sock_table_reset(&t);
	assert_int_equal(diag_dump_some(d, &t, &st, DIAG_SKIP(DD_TCP4) | DIAG_SKIP(DD_TCP6)), 0);
	assert_null(find_inode(&t, fd_inode(lfd)));
	assert_non_null(find_inode(&t, fd_inode(up[0])));

	diag_free(d);
	diag_free(NULL);
	sock_table_fini(&t);
	close(up[0]);
	close(up[1]);
	close(a2);
	close(afd);
	close(cfd);
	close(lfd);
	live6_close(&v6);
}

/*
 * A kernel that refuses the one-walk TCP request: here one that has it is made
 * to refuse it (the request is sent cut short: EINVAL). The round still lists
 * the TCP sockets of both families, each once, with CLOSE_WAIT ages, from two
 * dumps by family; and d keeps to those without asking again.
 */
static void test_live_fallback(void **state)
{
	struct diag_status st;
	struct sock_table t;
	const struct sock_rec *r;
	struct live6 v6;
	struct diag *d;
	char *cause = NULL;
	int lfd, c2, a2, round, i;

	(void)state;
	live6_open(&v6);
	lfd = tcp4_listen(0, 4);
	c2 = tcp4_connect(fd_port(lfd));
	a2 = accept(lfd, NULL, NULL);
	assert_true(a2 >= 0);
	close(c2);
	wait_eof(a2);

	d = diag_new(&cause);
	if (d == NULL)
		fail_msg("diag_new: %s", cause);
	sock_table_init(&t);
	diag_test_break_compat(d, 1);
	for (round = 0; round < 2; round++) {
		sock_table_reset(&t);
		assert_int_equal(diag_dump_all(d, &t, &st), 0);
		for (i = 0; i < DD_COUNT; i++)
			if (i != DD_UDPLITE4 && i != DD_UDPLITE6) /* a module that may be missing */
				assert_int_equal(st.err[i], 0);
		assert_int_equal(diag_tcp_by_family(d), 1);
		r = find_inode(&t, fd_inode(lfd));
		assert_non_null(r);
		assert_int_equal(r->family, AF_INET);
		assert_int_equal(r->state, TS_LISTEN);
		r = find_inode(&t, fd_inode(a2));
		assert_non_null(r);
		assert_int_equal(r->family, AF_INET);
		assert_int_equal(r->state, TS_CLOSE_WAIT);
		assert_int_not_equal(r->last_ack, SOCK_NO_AGE);
		live6_check(&v6, &t);
		assert_unique(&t);
		/* Refused once is enough: the next round does not ask again, however it would go.
		 */
		diag_test_break_compat(d, 0);
	}
	diag_free(d);
	sock_table_fini(&t);
	close(a2);
	close(lfd);
	live6_close(&v6);
}

/*
 * Recorder. Runs in a fresh network namespace so that the dumps hold only
 * the sockets set up here, at fixed ports. It repeats the requests dump.c
 * makes (same states, same extensions) and writes each recv() as it came.
 */

static void rec_die(const char *what)
{
	perror(what);
	exit(1);
}

static void rec_lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rec_die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rec_die("SIOCSIFFLAGS lo");
	close(fd);
}

static int rec_socket(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, type, 0);

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if (fd < 0)
		rec_die("socket");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		rec_die("bind");
	return fd;
}

static int rec_connect(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, type, 0);

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
		rec_die("connect");
	return fd;
}

static int rec_unix_listen(int type, const void *path, size_t pathlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	memcpy(sun.sun_path, path, pathlen);
	if (fd < 0 ||
	    bind(fd, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pathlen)) < 0 ||
	    listen(fd, REC_BACKLOG) < 0)
		rec_die("unix listen");
	return fd;
}

/* Send one dump request and write every recv() of its reply to dir/name. */
static void rec_dump(struct mnl_socket *nl, unsigned seq, int family, int proto, uint32_t states,
		     uint8_t ext, const char *dir, const char *name)
{
	alignas(8) char buf[32768];
	char path[PATH_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	FILE *f;
	int done = 0;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (family == AF_UNSPEC) {
		/* The one-walk TCP request, both families (proto is TCP). */
		struct inet_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		r->idiag_family = AF_INET;
		r->idiag_states = states;
		r->idiag_ext = ext;
	} else if (family == AF_UNIX) {
		struct unix_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		r->sdiag_family = AF_UNIX;
		r->udiag_states = states;
		r->udiag_show =
			UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
	} else {
		struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		r->sdiag_family = (uint8_t)family;
		r->sdiag_protocol = (uint8_t)proto;
		r->idiag_states = states;
		r->idiag_ext = ext;
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		rec_die("sendto");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		rec_die(path);
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		uint32_t n32;
		size_t off = 0;

		if (n <= 0)
			rec_die("recv");
		n32 = (uint32_t)n;
		fwrite(&n32, sizeof(n32), 1, f);
		fwrite(buf, 1, (size_t)n, f);
		while (off + sizeof(*nlh) <= (size_t)n) {
			const struct nlmsghdr *m = (const void *)(buf + off);

			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR)
				done = 1;
			off += MNL_ALIGN(m->nlmsg_len);
		}
	}
	if (fclose(f) != 0)
		rec_die(path);
	printf("recorded %s\n", path);
}

static int fixture_record(const char *dir)
{
	const uint32_t tcp_states = 0x1ffe; /* as dump.c: 1..12 */
	const uint32_t cw = 1u << TS_CLOSE_WAIT;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = REC_WAIT_MS * 1000000L };
	struct mnl_socket *nl;
	int l4, c1, a1, c2, c3, a3, l6, c6, a6, c7, a7, u4, u4c, u6, ul, up, dp[2];

	if (unshare(CLONE_NEWNET) < 0)
		rec_die("unshare(CLONE_NEWNET)");
	rec_lo_up();

	l4 = rec_socket(AF_INET, SOCK_STREAM, "127.0.0.1", REC_TCP4_PORT);
	if (listen(l4, REC_BACKLOG) < 0)
		rec_die("listen");
	c1 = rec_connect(AF_INET, SOCK_STREAM, "127.0.0.1", REC_TCP4_PORT);
	a1 = accept(l4, NULL, NULL);
	c3 = rec_connect(AF_INET, SOCK_STREAM, "127.0.0.1", REC_TCP4_PORT);
	a3 = accept(l4, NULL, NULL);
	c2 = rec_connect(AF_INET, SOCK_STREAM, "127.0.0.1", REC_TCP4_PORT); /* left queued */
	close(c3); /* a3 -> CLOSE_WAIT, c3 -> FIN_WAIT2 */
	l6 = rec_socket(AF_INET6, SOCK_STREAM, "::1", REC_TCP6_PORT);
	if (listen(l6, REC_BACKLOG) < 0)
		rec_die("listen6");
	c6 = rec_connect(AF_INET6, SOCK_STREAM, "::1", REC_TCP6_PORT);
	a6 = accept(l6, NULL, NULL);
	c7 = rec_connect(AF_INET6, SOCK_STREAM, "::1", REC_TCP6_PORT);
	a7 = accept(l6, NULL, NULL);
	close(c7); /* a7 -> CLOSE_WAIT: one of each family for the age pass */
	u4 = rec_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", REC_UDP4_PORT);
	u4c = rec_connect(AF_INET, SOCK_DGRAM, "127.0.0.1", REC_UDP4_PORT);
	u6 = rec_socket(AF_INET6, SOCK_DGRAM, "::1", REC_UDP6_PORT);
	ul = rec_unix_listen(SOCK_STREAM, rec_abstract, sizeof(rec_abstract) - 1);
	unlink(REC_UNIX_PATH);
	up = rec_unix_listen(SOCK_SEQPACKET, REC_UNIX_PATH, strlen(REC_UNIX_PATH) + 1);
	if (a1 < 0 || a3 < 0 || a6 < 0 || a7 < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, dp) < 0)
		rec_die("setup");
	nanosleep(&ts, NULL);

	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		rec_die("netlink");
	rec_dump(nl, 1, AF_INET, IPPROTO_TCP, tcp_states, 0, dir, "tcp4.bin");
	rec_dump(nl, 2, AF_INET, IPPROTO_TCP, cw, 1 << (INET_DIAG_INFO - 1), dir, "tcp4_cw.bin");
	rec_dump(nl, 3, AF_INET6, IPPROTO_TCP, tcp_states, 0, dir, "tcp6.bin");
	rec_dump(nl, 4, AF_INET, IPPROTO_UDP, ~0u, 0, dir, "udp4.bin");
	rec_dump(nl, 5, AF_INET6, IPPROTO_UDP, ~0u, 0, dir, "udp6.bin");
	rec_dump(nl, 6, AF_UNIX, 0, ~0u, 0, dir, "unix.bin");
	rec_dump(nl, 7, AF_UNSPEC, IPPROTO_TCP, tcp_states, 0, dir, "tcp.bin");
	rec_dump(nl, 8, AF_UNSPEC, IPPROTO_TCP, cw, 1 << (INET_DIAG_INFO - 1), dir, "tcp_cw.bin");
	mnl_socket_close(nl);
	unlink(REC_UNIX_PATH);
	(void)c1, (void)c2, (void)c6, (void)u4, (void)u4c, (void)u6, (void)ul, (void)up;
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_addrs),
		cmocka_unit_test(test_dump_names),
		cmocka_unit_test(test_tcp4_record),
		cmocka_unit_test(test_inet6_record),
		cmocka_unit_test(test_close_wait_info),
		cmocka_unit_test(test_rtt_only),
		cmocka_unit_test(test_tcp_info_fields),
		cmocka_unit_test(test_compat_records),
		cmocka_unit_test(test_compat_other_dumps),
		cmocka_unit_test(test_compat_rollback),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_unix_records),
		cmocka_unit_test(test_done_status),
		cmocka_unit_test(test_error_status),
		cmocka_unit_test(test_multi_message),
		cmocka_unit_test(test_seq_portid),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_unpadded_tail),
		cmocka_unit_test(test_bad_attributes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_fixture_tcp),
		cmocka_unit_test(test_fixture_tcp_both),
		cmocka_unit_test(test_fixture_udp),
		cmocka_unit_test(test_fixture_unix),
		cmocka_unit_test(test_live_dump),
		cmocka_unit_test(test_live_fallback),
	};

	if (argc == 3 && strcmp(argv[1], "--record") == 0)
		return fixture_record(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
