/*
 * fuzz_diag: diag_parse() over arbitrary bytes, as one recv() of every dump kind.
 *
 * The input is copied into a heap buffer of exactly its size (malloc is 16-byte
 * aligned, as a recv() buffer is), so that ASan sees any read past the received
 * bytes. Checked besides "no crash, no leak, no UB": the return value, status and
 * refusal flag are in their documented ranges (a refusal is an error status of a
 * finished parse), a failed parse appends nothing, and every record has a known
 * family and protocol and a name that is a readable pool entry (a path name holds
 * no NUL; only an abstract name, whose first byte is NUL, may). TCP dumps also take
 * TCPDIAG_GETSOCK records (the one-walk reply); the seeds have both kinds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <sys/socket.h>

#include "sockwatch/diag.h"
#include "fuzz_check.h"

static void check_records(const struct sock_table *t, enum diag_dump dump)
{
	volatile unsigned char sink = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct sock_rec *r = &t->v[i];

		CHECK(r->proto < SP_COUNT);
		if (dump == DD_UNIX) {
			CHECK(r->family == AF_UNIX);
			CHECK(r->proto >= SP_UNIX_STREAM);
		} else {
			CHECK(r->family == AF_INET || r->family == AF_INET6);
			CHECK(r->proto < SP_UNIX_STREAM);
			CHECK(r->name == 0);
		}
		if (r->name != 0) {
			size_t len;
			const char *name = strpool_get(&t->names, r->name, &len);

			CHECK(len > 0);
			/* Touch every byte: ASan checks that the whole name is readable. */
			for (size_t k = 0; k < len; k++)
				sink ^= (unsigned char)name[k];
			if (name[0] != '\0')
				CHECK(memchr(name, '\0', len) == NULL);
		}
	}
	(void)sink;
}

static void parse_one(const void *buf, size_t len, enum diag_dump dump, unsigned seq,
		      unsigned portid)
{
	struct sock_table t;
	struct diag_parse_ctx ctx = { .t = &t, .dump = dump, .seq = seq, .portid = portid };
	int ret;

	sock_table_init(&t);
	ret = diag_parse(buf, len, &ctx);
	CHECK(ret <= 1);
	CHECK(ctx.status <= 0);
	CHECK(ctx.refused == 0 || ctx.refused == 1);
	if (ret < 0) {
		CHECK(t.n == 0);
		CHECK(ctx.status == 0);
		CHECK(ctx.refused == 0);
	}
	if (ret == 1) {
		CHECK(ctx.status == 0);
		CHECK(ctx.refused == 0);
	}
	if (ctx.refused)
		CHECK(ret == 0 && ctx.status < 0);
	check_records(&t, dump);
	sock_table_fini(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *buf = malloc(size ? size : 1);
	unsigned seq = 0, portid = 0;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (size >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = buf;

		seq = nlh->nlmsg_seq;
		portid = nlh->nlmsg_pid;
	}
	for (int d = 0; d < DD_COUNT; d++) {
		/* Unchecked, then checked against the first message's seq and port id. */
		parse_one(buf, size, (enum diag_dump)d, 0, 0);
		parse_one(buf, size, (enum diag_dump)d, seq, portid);
	}
	free(buf);
	return 0;
}
