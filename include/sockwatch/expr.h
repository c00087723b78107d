/*
 * expr.h: socket filter expressions in the language of ss(8)
 * ("state established '( dport = :443 or sport = :443 )'"), with sockwatch's
 * own words for what ss has none (pid, user, comm, service, netns).
 *
 * An expression is parsed once, evaluated on every socket record of every
 * refresh (sock_expr_match), and handed in part to the kernel
 * (sock_expr_pushdown): the state masks of the dump requests and an
 * INET_DIAG_REQ_BYTECODE program. The program accepts every socket the
 * expression can match and maybe more, so pushing down makes a refresh
 * cheaper, never different.
 */
#ifndef SOCKWATCH_EXPR_H
#define SOCKWATCH_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/diag.h"
#include "sockwatch/util.h"

struct snapshot;
struct sock_expr;

/*
 * Parse the words (the positional arguments; each may hold several tokens,
 * as a quoted expression does). NULL on a syntax error, with one line in err
 * that names the column of the offending token in the words joined by single
 * spaces. No words: an expression that matches every socket.
 */
struct sock_expr *sock_expr_parse(int argc, char *const *argv, struct strbuf *err);
/* The same for one string (the TUI's filter prompt). */
struct sock_expr *sock_expr_parse_str(const char *text, struct strbuf *err);
void sock_expr_free(struct sock_expr *e);
/* The expression as the user wrote it (the words joined by single spaces). */
const char *sock_expr_text(const struct sock_expr *e);
/* Whether it needs the peers of UNIX sockets (dst unix:PATTERN): the join indexes them. */
int sock_expr_uses_peers(const struct sock_expr *e);

/*
 * Whether socket sock of s matches. Needs the join's owners (r->owner, the
 * processes' services) for pid, comm and service, and, when
 * sock_expr_uses_peers, s->unix_peers.
 */
int sock_expr_match(const struct sock_expr *e, const struct snapshot *s, uint32_t sock);

/*
 * What the kernel can do of it, into pd. Besides the
 * sockets that may match, the dumps keep the listeners (TCP LISTEN, unbound
 * UDP, UNIX LISTEN) of the protocols that may match: a connection is
 * credited to its listener and counted inbound by them, whether the
 * listener matches or not.
 */
void sock_expr_pushdown(const struct sock_expr *e, struct diag_pushdown *pd);

#endif
