/*
 * fuzz_expr: filter expressions (src/model/expr.c) from arbitrary bytes.
 *
 * Checked besides "no crash, no leak, no UB":
 *   parse      it gives an expression or one line of error that names a column;
 *              never both, never neither.
 *   pushdown   every program is one the kernel takes (the copy of its auditor in
 *              tests/unit/kernelbc.h) and fits DIAG_BC_MAX; a state the masks leave
 *              out, or a dump it skips, holds no socket that matches.
 *   program    on each socket of a fixed snapshot, the kernel's program (the copy of
 *              its interpreter) keeps every inet socket the expression matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/kernelbc.h"
#include "../unit/snapfix.h"
#include "fuzz_check.h"
#include "sockwatch/expr.h"

static struct snapshot snap;
static int ready;

/* The dump a record comes from, for the skip bits. */
static enum diag_dump dump_of(const struct sock_rec *r)
{
	if (r->family == AF_UNIX)
		return DD_UNIX;
	if (r->proto == SP_TCP)
		return r->family == AF_INET ? DD_TCP4 : DD_TCP6;
	return r->family == AF_INET ? DD_UDP4 : DD_UDP6;
}

static void setup(void)
{
	struct sock_rec *r;

	build(&snap);
	r = sock_table_add(&snap.socks);
	r->family = AF_UNIX;
	r->proto = SP_UNIX_STREAM;
	r->state = TS_LISTEN;
	r->inode = 50;
	r->cookie = 500;
	r->name = strpool_add(&snap.socks.names, "/run/a.sock", 11);
	snapshot_join(&snap, NULL);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_pushdown pd;
	struct sock_expr *e;
	struct strbuf err;
	char *text;
	size_t i;

	if (!ready)
		setup();
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	sb_init(&err);
	e = sock_expr_parse_str(text, &err);
	if (e == NULL) {
		CHECK(err.buf != NULL && strstr(err.buf, "column ") != NULL);
		CHECK(strchr(err.buf, '\n') == NULL);
		goto out;
	}
	CHECK(strcmp(sock_expr_text(e), text) == 0 || memchr(data, '\0', size) != NULL);
	sock_expr_pushdown(e, &pd);
	CHECK(pd.bclen <= DIAG_BC_MAX);
	if (pd.bclen > 0)
		CHECK(kernel_audit(pd.bc, (int)pd.bclen));
	for (i = 0; i < snap.socks.n; i++) {
		const struct sock_rec *r = &snap.socks.v[i];
		uint8_t sa[16], da[16];
		struct kentry en = { sock_addr(&snap.socks, r, 0, sa),
				     sock_addr(&snap.socks, r, 1, da), r->sport, r->dport,
				     r->family };
		uint32_t mask = r->family == AF_UNIX ? pd.unix_states
				: r->proto == SP_TCP ? pd.tcp_states
						     : pd.udp_states;

		if (!sock_expr_match(e, &snap, (uint32_t)i))
			continue;
		CHECK(!(pd.skip & DIAG_SKIP(dump_of(r))));
		CHECK(r->state < 32 && (mask >> r->state & 1));
		if (r->family != AF_UNIX && pd.bclen > 0)
			CHECK(kernel_run(pd.bc, (int)pd.bclen, &en));
	}
	sock_expr_free(e);
out:
	sb_fini(&err);
	free(text);
	return 0;
}
