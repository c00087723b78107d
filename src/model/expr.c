/*
 * expr.c: ss's filter expressions: tokens, a recursive-descent parser, the
 * evaluator, and what of it the kernel can do.
 *
 * The grammar is ss(8)'s, as iproute2's misc/ssfilter.y has it:
 *
 *	filter  := { ("state" | "exclude") STATE } [ list ]
 *	list    := expr { [ "and" | "&" | "&&" | "or" | "|" | "||" ] expr }
 *	expr    := "(" list ")" | ("!" | "not") expr | cond
 *	cond    := ("src" | "dst") [ "=" ] HOST
 *	         | ("sport" | "dport") [ OP ] PORT
 *
 * A list is a chain read from left to right with no precedence: "a or b and
 * c" is "(a or b) and c", as ss reads it; words side by side are joined by
 * "and". The leading state words make one set of states, as ss's do: each
 * "state" adds its states, each "exclude" takes them away, and an "exclude"
 * first starts from every state. Where a cond may stand, sockwatch also takes
 * "state S", "exclude S", "pid N", "user NAME", "comm NAME", "service NAME",
 * "netns NAME", and "src"/"dst" with "!=". Every expression ss accepts means
 * here what it means to ss: the conditions on addresses and ports are the
 * kernel's (inet_diag_bc_run in net/ipv4/inet_diag.c), which ss runs on
 * every socket too.
 *
 * Hand-written rather than bison: the grammar has seven productions, while
 * the work is in the tokens (a HOST is "[::1]:22", "*:ssh", "10.0.0.0/8",
 * "unix:/run/\*") and in errors that name a column; a generated parser would
 * add a build dependency and say "syntax error" without the column.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>

#include "sockwatch/expr.h"
#include "sockwatch/model.h"

enum enode_kind {
	EN_TRUE,
	EN_FALSE,
	EN_AND,
	EN_OR,
	EN_NOT,
	EN_STATE,   /* the socket's kernel state is in states */
	EN_HOST,    /* src/dst/sport/dport =: port and address prefix, as the kernel tests */
	EN_PORT_GE, /* sport/dport >= port */
	EN_PORT_LE, /* sport/dport <= port */
	EN_UNIX,    /* src/dst unix:PATTERN */
	EN_PID,
	EN_USER,
	EN_COMM,
	EN_SERVICE,
	EN_NETNS,
};

struct enode {
	uint8_t kind;
	uint8_t dst;	/* the remote end (dst, dport) */
	uint8_t family; /* EN_HOST: AF_UNSPEC (no address), AF_INET, AF_INET6 */
	uint8_t plen;	/* EN_HOST: prefix length */
	int32_t port;	/* EN_HOST: -1 any; EN_PORT_*: the bound */
	uint32_t states;
	int64_t num; /* EN_PID: pid; EN_USER: uid; EN_NETNS: inode, or -1 (by name) */
	char *str;   /* EN_UNIX: pattern; EN_COMM, EN_SERVICE, EN_NETNS: name */
	uint8_t addr[16];
	struct enode *a, *b;
};

struct sock_expr {
	struct enode *root; /* NULL: every socket */
	uint32_t states;    /* the leading state words: kernel state bits */
	int family;	    /* a unix:, inet: or inet6: host keeps to that family; 0: any */
	int peers;	    /* dst unix: needs the peers' names */
	int odd_port;	    /* a port comparison beyond 0-65535 ("dport > :", which is -1) */
	char *text;
};

/* Every state ss knows (its SS_ALL: UNKNOWN to CLOSING) and NEW_SYN_RECV, which it adds. */
#define ST_BIT(s) (1u << (s))
#define ST_ALL	  ((ST_BIT(TS_CLOSING + 1) - 1) | ST_BIT(TS_NEW_SYN_RECV))

/* Tokens. */

struct tok {
	char *s;    /* the word, escapes resolved */
	size_t col; /* 1-based column in the text */
};

struct parser {
	const char *text;
	struct tok *t;
	size_t n, i, cap;
	struct strbuf *err;
	struct sock_expr *e;
	int failed;
};

static void perr(struct parser *p, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parser *p, size_t col, const char *fmt, ...)
{
	struct strbuf raw;
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	sb_reset(p->err);
	if (col > strlen(p->text))
		sb_printf(p->err, "expression: column %zu (its end): ", col);
	else
		sb_printf(p->err, "expression: column %zu: ", col);
	/* The words come from the user, maybe pasted: escaped, the line stays one line. */
	sb_init(&raw);
	va_start(ap, fmt);
	sb_vprintf(&raw, fmt, ap);
	va_end(ap);
	esc_text(p->err, raw.buf, raw.len);
	sb_fini(&raw);
}

static void tok_add(struct parser *p, const char *s, size_t len, size_t col)
{
	p->t = xgrow(p->t, &p->cap, p->n + 1, sizeof *p->t);
	p->t[p->n].s = xstrndup(s, len);
	p->t[p->n].col = col;
	p->n++;
}

/*
 * Words are split at blanks. A parenthesis is a token of its own even
 * without blanks around it, and so is a "!" that starts a word (not "!=");
 * a backslash takes the next character as it is (ss's escape).
 */
static void tokenize(struct parser *p)
{
	const char *s = p->text;
	struct strbuf w;
	size_t i = 0;

	sb_init(&w);
	while (s[i] != '\0') {
		size_t start;

		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] == '(' || s[i] == ')' || (s[i] == '!' && s[i + 1] != '=')) {
			tok_add(p, s + i, 1, i + 1);
			i++;
			continue;
		}
		start = i;
		sb_reset(&w);
		while (s[i] != '\0' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '(' &&
		       s[i] != ')') {
			if (s[i] == '\\' && s[i + 1] != '\0')
				i++;
			sb_putc(&w, s[i++]);
		}
		tok_add(p, w.buf != NULL ? w.buf : "", w.len, start + 1);
	}
	sb_fini(&w);
}

static const char *peek(const struct parser *p)
{
	return p->i < p->n ? p->t[p->i].s : NULL;
}

static size_t col_here(const struct parser *p)
{
	return p->i < p->n ? p->t[p->i].col : strlen(p->text) + 1;
}

static int is(const char *w, const char *a)
{
	return w != NULL && strcmp(w, a) == 0;
}

static int is_and(const char *w)
{
	return is(w, "and") || is(w, "&") || is(w, "&&");
}

static int is_or(const char *w)
{
	return is(w, "or") || is(w, "|") || is(w, "||");
}

static int is_not(const char *w)
{
	return is(w, "!") || is(w, "not");
}

/* The comparison words: '=' (also "==", "eq"), NEQ, '<', '>', LEQ, GEQ; 0 none. */
enum { OP_NONE, OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE };

static int op_of(const char *w)
{
	if (is(w, "=") || is(w, "==") || is(w, "eq"))
		return OP_EQ;
	if (is(w, "!=") || is(w, "ne") || is(w, "neq"))
		return OP_NE;
	if (is(w, "<") || is(w, "lt"))
		return OP_LT;
	if (is(w, ">") || is(w, "gt"))
		return OP_GT;
	if (is(w, "<=") || is(w, "le") || is(w, "leq"))
		return OP_LE;
	if (is(w, ">=") || is(w, "ge") || is(w, "geq"))
		return OP_GE;
	return OP_NONE;
}

/* Words the expression gives a meaning of their own: never an operand. */
static int is_keyword(const char *w)
{
	static const char *const kw[] = { "(",	   ")",	     "src",	"dst",	 "sport",
					  "dport", "state",  "exclude", "excl",	 "pid",
					  "user",  "comm",   "service", "netns", "autobound",
					  "dev",   "fwmark", "cgroup",	NULL };
	size_t i;

	if (is_and(w) || is_or(w) || is_not(w) || op_of(w) != OP_NONE)
		return 1;
	for (i = 0; kw[i] != NULL; i++) {
		if (is(w, kw[i]))
			return 1;
	}
	return 0;
}

/* Nodes. */

static struct enode *node(int kind)
{
	struct enode *n = xcalloc(1, sizeof *n);

	n->kind = (uint8_t)kind;
	return n;
}

static struct enode *node2(int kind, struct enode *a, struct enode *b)
{
	struct enode *n = node(kind);

	n->a = a;
	n->b = b;
	return n;
}

static void node_free(struct enode *n)
{
	if (n == NULL)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->str);
	free(n);
}

/* States: ss's names and groups (scan_state in misc/ss.c). */
static int state_set(const char *w, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t bits;
	} names[] = {
		{ "established", ST_BIT(TS_ESTABLISHED) },
		{ "syn-sent", ST_BIT(TS_SYN_SENT) },
		{ "syn-recv", ST_BIT(TS_SYN_RECV) | ST_BIT(TS_NEW_SYN_RECV) },
		{ "syn-rcv", ST_BIT(TS_SYN_RECV) | ST_BIT(TS_NEW_SYN_RECV) },
		{ "fin-wait-1", ST_BIT(TS_FIN_WAIT1) },
		{ "fin-wait-2", ST_BIT(TS_FIN_WAIT2) },
		{ "time-wait", ST_BIT(TS_TIME_WAIT) },
		{ "closed", ST_BIT(TS_CLOSE) },
		{ "close", ST_BIT(TS_CLOSE) },
		{ "unconnected", ST_BIT(TS_CLOSE) },
		{ "close-wait", ST_BIT(TS_CLOSE_WAIT) },
		{ "last-ack", ST_BIT(TS_LAST_ACK) },
		{ "listening", ST_BIT(TS_LISTEN) },
		{ "closing", ST_BIT(TS_CLOSING) },
		{ "all", ST_ALL },
		{ "connected", ST_ALL & ~(ST_BIT(TS_CLOSE) | ST_BIT(TS_LISTEN)) },
		{ "synchronized",
		  ST_ALL & ~(ST_BIT(TS_CLOSE) | ST_BIT(TS_LISTEN) | ST_BIT(TS_SYN_SENT)) },
		{ "bucket", ST_BIT(TS_SYN_RECV) | ST_BIT(TS_NEW_SYN_RECV) | ST_BIT(TS_TIME_WAIT) },
		{ "big", ST_ALL & ~(ST_BIT(TS_SYN_RECV) | ST_BIT(TS_NEW_SYN_RECV) |
				    ST_BIT(TS_TIME_WAIT)) },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(w, names[i].name) == 0) {
			*out = names[i].bits;
			return 0;
		}
	}
	return -1;
}

/* The next word as the operand of the word before it, or NULL with the error said. */
static const char *operand(struct parser *p, const char *what, const char *after)
{
	const char *w = peek(p);

	if (w == NULL || is_keyword(w)) {
		perr(p, col_here(p), "expected %s after \"%s\"", what, after);
		return NULL;
	}
	p->i++;
	return w;
}

static int parse_state_word(struct parser *p, const char *kw, uint32_t *bits)
{
	size_t col = col_here(p);
	const char *w = operand(p, "a state", kw);

	if (w == NULL)
		return -1;
	if (state_set(w, bits) < 0) {
		perr(p, col, "no such state \"%s\"", w);
		return -1;
	}
	return 0;
}

/*
 * A port: a number (ss takes C's 0x and 0 prefixes), or a service name of
 * /etc/services; "" and "*" are any port (-1). The same name with two
 * numbers (tcp and udp) is refused, as ss refuses it.
 */
static int parse_port(struct parser *p, size_t col, const char *s, int32_t *port)
{
	struct servent *tcp, *udp;
	int tport = -1;
	char *end;
	long v;

	if (*s == '\0' || strcmp(s, "*") == 0) {
		*port = -1;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 0);
	if (*end == '\0' && errno == 0 && v >= INT32_MIN && v <= INT32_MAX) {
		*port = (int32_t)v;
		return 0;
	}
	tcp = getservbyname(s, "tcp");
	if (tcp != NULL)
		tport = ntohs((uint16_t)tcp->s_port);
	udp = getservbyname(s, "udp");
	if (udp != NULL && tport >= 0 && ntohs((uint16_t)udp->s_port) != tport) {
		perr(p, col, "ambiguous port \"%s\" (tcp and udp differ)", s);
		return -1;
	}
	if (udp != NULL && tport < 0)
		tport = ntohs((uint16_t)udp->s_port);
	if (tport < 0) {
		perr(p, col, "\"%s\" is not a port number or a service name", s);
		return -1;
	}
	*port = tport;
	return 0;
}

/* An address with an optional /prefix into n; fam: the family a prefix word asked for. */
static int parse_prefix(struct parser *p, size_t col, char *s, int fam, struct enode *n)
{
	char *slash = strchr(s, '/');
	unsigned long plen;
	int max;

	if (slash != NULL)
		*slash = '\0';
	if (fam != AF_INET6 && inet_pton(AF_INET, s, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (fam != AF_INET && inet_pton(AF_INET6, s, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		perr(p, col, "\"%s\" is not an IPv4 or IPv6 address (names are not resolved)", s);
		return -1;
	}
	plen = (unsigned long)max;
	if (slash != NULL && (parse_uint(slash + 1, (unsigned long)max, &plen) < 0)) {
		*slash = '/';
		perr(p, col, "\"%s\" has a bad prefix length", s);
		return -1;
	}
	n->plen = (uint8_t)plen;
	return 0;
}

/* HOST after src or dst: ss's parse_hostcond, for the families sockwatch dumps. */
static struct enode *parse_host(struct parser *p, int dst, const char *kw)
{
	size_t col = col_here(p);
	const char *w = operand(p, "an address", kw);
	struct enode *n;
	char *buf, *addr, *port = NULL;
	unsigned char tmp[16];
	int fam = 0;

	if (w == NULL)
		return NULL;
	if (strncmp(w, "unix:", 5) == 0) {
		n = node(EN_UNIX);
		n->dst = (uint8_t)dst;
		n->str = xstrdup(w + 5);
		p->e->family = AF_UNIX;
		p->e->peers |= dst;
		return n;
	}
	if (strncmp(w, "inet:", 5) == 0) {
		fam = AF_INET;
		w += 5;
	} else if (strncmp(w, "inet6:", 6) == 0) {
		fam = AF_INET6;
		w += 6;
	} else if (strncmp(w, "link:", 5) == 0 || strncmp(w, "netlink:", 8) == 0 ||
		   strncmp(w, "vsock:", 6) == 0) {
		perr(p, col, "sockwatch lists no link, netlink or vsock sockets (\"%s\")", w);
		return NULL;
	}
	if (fam != 0)
		p->e->family = fam;
	n = node(EN_HOST);
	n->dst = (uint8_t)dst;
	n->port = -1;
	buf = xstrdup(w);
	addr = buf;
	if (addr[0] == '[') {
		addr++;
		port = strchr(addr, ']');
		if (port == NULL) {
			perr(p, col, "\"%s\" lacks its closing \"]\"", w);
			goto fail;
		}
		*port++ = '\0';
	} else if (addr[0] == '*') {
		port = addr + 1;
		*addr = '\0';
	} else if (strchr(addr, '/') == NULL && inet_pton(AF_INET6, addr, tmp) == 1) {
		port = NULL; /* "::1": ss would cut it at its last colon and fail */
	} else {
		port = strrchr(strchr(addr, '/') != NULL ? strchr(addr, '/') : addr, ':');
	}
	if (port != NULL && *port != '\0') {
		if (*port == ':')
			*port++ = '\0';
		if (parse_port(p, col, port, &n->port) < 0)
			goto fail;
	}
	if (*addr != '\0' && strcmp(addr, "*") != 0 && parse_prefix(p, col, addr, fam, n) < 0)
		goto fail;
	free(buf);
	return n;
fail:
	free(buf);
	node_free(n);
	return NULL;
}

/* PORT after sport or dport and its comparison. */
static struct enode *parse_portcond(struct parser *p, int dst, const char *kw)
{
	int op = op_of(peek(p));
	const char *w;
	struct enode *n;
	int32_t port;
	size_t col;

	if (op != OP_NONE)
		p->i++;
	col = col_here(p);
	w = operand(p, "a port", kw);
	if (w == NULL)
		return NULL;
	if (parse_port(p, col, w[0] == ':' ? w + 1 : w, &port) < 0)
		return NULL;
	if (op == OP_NONE || op == OP_EQ || op == OP_NE) {
		n = node(EN_HOST);
		n->port = port;
	} else {
		n = node(op == OP_GE || op == OP_LT ? EN_PORT_GE : EN_PORT_LE);
		n->port = port;
		p->e->odd_port |= port < 0 || port > 65535;
	}
	n->dst = (uint8_t)dst;
	/* ss: ">" is "not <=", "<" is "not >=", "!=" is "not =". */
	if (op == OP_NE || op == OP_GT || op == OP_LT)
		n = node2(EN_NOT, n, NULL);
	return n;
}

static struct enode *parse_list(struct parser *p);

static struct enode *parse_word(struct parser *p, int kind, const char *kw)
{
	size_t col = col_here(p);
	const char *what = kind == EN_PID ? "a pid" : kind == EN_USER ? "a user" : "a name";
	const char *w = operand(p, what, kw);
	struct enode *n;
	unsigned long v;

	if (w == NULL)
		return NULL;
	n = node(kind);
	switch (kind) {
	case EN_PID:
		if (parse_uint(w, 4194304, &v) < 0) {
			perr(p, col, "\"%s\" is not a pid", w);
			node_free(n);
			return NULL;
		}
		n->num = (int64_t)v;
		break;
	case EN_USER: {
		struct passwd *pw = getpwnam(w);

		if (pw != NULL) {
			n->num = pw->pw_uid;
		} else if (parse_uint(w, UINT32_MAX, &v) == 0) {
			n->num = (int64_t)v;
		} else {
			perr(p, col, "no such user \"%s\"", w);
			node_free(n);
			return NULL;
		}
		break;
	}
	case EN_NETNS:
		n->num = parse_uint(w, UINT32_MAX, &v) == 0 ? (int64_t)v : -1;
		n->str = xstrdup(w);
		break;
	default:
		n->str = xstrdup(w);
		break;
	}
	return n;
}

static struct enode *parse_expr(struct parser *p)
{
	const char *w = peek(p);
	size_t col = col_here(p);
	struct enode *n;

	if (w == NULL) {
		perr(p, col, "%s", "expected a condition");
		return NULL;
	}
	p->i++;
	if (is(w, "(")) {
		n = parse_list(p);
		if (n == NULL)
			return NULL;
		if (!is(peek(p), ")")) {
			node_free(n);
			perr(p, col_here(p), "expected \")\" to close the \"(\" of column %zu",
			     col);
			return NULL;
		}
		p->i++;
		return n;
	}
	if (is_not(w)) {
		n = parse_expr(p);
		return n != NULL ? node2(EN_NOT, n, NULL) : NULL;
	}
	if (is(w, "src") || is(w, "dst")) {
		int dst = is(w, "dst"), op = op_of(peek(p));

		if (op == OP_EQ || op == OP_NE)
			p->i++;
		else if (op != OP_NONE) {
			perr(p, col_here(p), "\"%s\" compares with = or != only", w);
			return NULL;
		}
		n = parse_host(p, dst, w);
		if (n != NULL && op == OP_NE)
			n = node2(EN_NOT, n, NULL);
		return n;
	}
	if (is(w, "sport") || is(w, "dport"))
		return parse_portcond(p, is(w, "dport"), w);
	if (is(w, "state") || is(w, "exclude") || is(w, "excl")) {
		uint32_t bits;

		if (parse_state_word(p, w, &bits) < 0)
			return NULL;
		n = node(EN_STATE);
		n->states = bits;
		return is(w, "state") ? n : node2(EN_NOT, n, NULL);
	}
	if (is(w, "pid"))
		return parse_word(p, EN_PID, w);
	if (is(w, "user"))
		return parse_word(p, EN_USER, w);
	if (is(w, "comm"))
		return parse_word(p, EN_COMM, w);
	if (is(w, "service"))
		return parse_word(p, EN_SERVICE, w);
	if (is(w, "netns"))
		return parse_word(p, EN_NETNS, w);
	if (is(w, "autobound") || is(w, "dev") || is(w, "fwmark") || is(w, "cgroup")) {
		perr(p, col, "\"%s\" is a condition of ss that sockwatch does not have", w);
		return NULL;
	}
	if (is(w, ")"))
		perr(p, col, "%s", "\")\" without its \"(\"");
	else if (is_and(w) || is_or(w) || op_of(w) != OP_NONE)
		perr(p, col, "\"%s\" where a condition should start", w);
	else
		perr(p, col,
		     "unexpected \"%s\": a condition starts with src, dst, sport, dport, state, "
		     "pid, user, comm, service or netns",
		     w);
	return NULL;
}

/* A list; its first operand already parsed when l is not NULL. */
static struct enode *parse_list_after(struct parser *p, struct enode *l)
{
	if (l == NULL)
		l = parse_expr(p);

	while (l != NULL) {
		const char *w = peek(p);
		struct enode *r;
		int kind = EN_AND;

		if (w == NULL || is(w, ")"))
			break;
		if (is_or(w) || is_and(w)) {
			kind = is_or(w) ? EN_OR : EN_AND;
			p->i++;
		}
		r = parse_expr(p);
		if (r == NULL) {
			node_free(l);
			return NULL;
		}
		l = node2(kind, l, r);
	}
	return l;
}

static struct enode *parse_list(struct parser *p)
{
	return parse_list_after(p, NULL);
}

struct sock_expr *sock_expr_parse_str(const char *text, struct strbuf *err)
{
	struct sock_expr *e = xcalloc(1, sizeof *e);
	struct parser p = { .text = text, .err = err, .e = e };
	int saw = 0;
	size_t i;

	e->text = xstrdup(text);
	e->states = ST_ALL;
	tokenize(&p);
	/* ss's leading state filter: one set of states, before the expression. */
	while (is(peek(&p), "state") || is(peek(&p), "exclude") || is(peek(&p), "excl")) {
		int add = is(peek(&p), "state");
		const char *kw = peek(&p);
		uint32_t bits;

		p.i++;
		if (parse_state_word(&p, kw, &bits) < 0)
			break;
		if (!saw)
			e->states = add ? 0 : ST_ALL;
		saw = 1;
		if (add)
			e->states |= bits;
		else
			e->states &= ~bits;
	}
	if (!p.failed && saw && (is_and(peek(&p)) || is_or(peek(&p)))) {
		/* "state listening or dport = :80": ss refuses it; the states are a condition. */
		struct enode *n = node(EN_STATE);

		n->states = e->states;
		e->states = ST_ALL;
		e->root = parse_list_after(&p, n);
	} else if (!p.failed && p.i < p.n) {
		e->root = parse_list(&p);
		if (!p.failed && p.i < p.n)
			perr(&p, col_here(&p), "%s", "\")\" without its \"(\"");
	}
	for (i = 0; i < p.n; i++)
		free(p.t[i].s);
	free(p.t);
	if (p.failed) {
		sock_expr_free(e);
		return NULL;
	}
	return e;
}

struct sock_expr *sock_expr_parse(int argc, char *const *argv, struct strbuf *err)
{
	struct strbuf text;
	struct sock_expr *e;
	int i;

	sb_init(&text);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			sb_putc(&text, ' ');
		sb_puts(&text, argv[i]);
	}
	e = sock_expr_parse_str(text.buf != NULL ? text.buf : "", err);
	sb_fini(&text);
	return e;
}

void sock_expr_free(struct sock_expr *e)
{
	if (e == NULL)
		return;
	node_free(e->root);
	free(e->text);
	free(e);
}

const char *sock_expr_text(const struct sock_expr *e)
{
	return e->text;
}

int sock_expr_uses_peers(const struct sock_expr *e)
{
	return e->peers;
}

/* Evaluation. */

static int bits_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned whole = plen / 8, rest = plen % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[whole] ^ b[whole]) & (0xff00u >> rest)) == 0;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The kernel's INET_DIAG_BC_S_COND / D_COND on an inet socket. */
static int host_match(const struct enode *n, const struct snapshot *s, const struct sock_rec *r)
{
	uint8_t buf[16];
	const uint8_t *addr = sock_addr(&s->socks, r, n->dst, buf);
	unsigned port = n->dst ? r->dport : r->sport;

	if (n->port != -1 && (int32_t)port != n->port)
		return 0;
	if (n->family != AF_UNSPEC && n->family != r->family) {
		/* An IPv4 condition matches the v4-mapped addresses of IPv6 sockets. */
		return r->family == AF_INET6 && n->family == AF_INET &&
		       memcmp(addr, v4mapped, 12) == 0 && bits_match(addr + 12, n->addr, n->plen);
	}
	return n->plen == 0 || bits_match(addr, n->addr, n->plen);
}

/* A UNIX socket's name as ss shows it: the path, "@name" when abstract, "" when unbound. */
static int unix_match(const char *pattern, const struct snapshot *s, const struct sock_rec *r)
{
	char buf[256];
	const char *name = "";
	size_t len = 0, n = 0;
	int abstract = 0;

	if (r->name != 0)
		name = sock_unix_name(s, r, &len, &abstract);
	if (memchr(name, '\0', len) != NULL)
		return 0; /* a name with a NUL in it: no pattern can say it */
	if (abstract)
		buf[n++] = '@';
	if (len > sizeof buf - 1 - n)
		len = sizeof buf - 1 - n;
	memcpy(buf + n, name, len);
	buf[n + len] = '\0';
	return fnmatch(pattern, buf, FNM_CASEFOLD) == 0;
}

/* The "port" ss gives a UNIX socket: its inode, or its peer's for the remote end. */
static int64_t unix_port(const struct sock_rec *r, int dst)
{
	return dst ? r->peer : r->inode;
}

static int owner_has(const struct enode *n, const struct snapshot *s, uint32_t sock)
{
	uint32_t l;

	for (l = sock_owner_first(s, sock); l != NONE; l = sock_owner_next(s, l)) {
		uint32_t p = owner_proc(s, l);
		const struct proc_rec *pr = &s->procs.v[p];

		switch (n->kind) {
		case EN_PID:
			if (pr->pid == n->num)
				return 1;
			break;
		case EN_COMM:
			if (strcmp(pr->comm, n->str) == 0)
				return 1;
			break;
		default: { /* EN_SERVICE */
			uint32_t sv = proc_service(s, p);
			size_t len;
			const char *name;

			if (sv == NONE)
				break;
			name = service_name(s, sv, &len);
			if (len == strlen(n->str) && memcmp(name, n->str, len) == 0)
				return 1;
			break;
		}
		}
	}
	return 0;
}

/*
 * kern: compare ports as the kernel's program does, with the bound cut to its
 * 16 bits (ss's empty port, -1, is 65535 there), rather than as ss does, as a
 * whole number. ss lists a socket when both its own test and the kernel's
 * program say yes, and the two differ only for a bound beyond 0-65535.
 */
static int eval(const struct enode *n, const struct snapshot *s, uint32_t sock, int kern)
{
	const struct sock_rec *r = &s->socks.v[sock];
	int unix_ = r->family == AF_UNIX;

	switch (n->kind) {
	case EN_TRUE:
		return 1;
	case EN_FALSE:
		return 0;
	case EN_AND:
		return eval(n->a, s, sock, kern) && eval(n->b, s, sock, kern);
	case EN_OR:
		return eval(n->a, s, sock, kern) || eval(n->b, s, sock, kern);
	case EN_NOT:
		return !eval(n->a, s, sock, kern);
	case EN_STATE:
		return r->state < 32 && (n->states & ST_BIT(r->state)) != 0;
	case EN_HOST:
		/*
		 * ss takes a UNIX socket's inode for its port and its peer's for the
		 * remote one; it has no address, and only a condition without one holds.
		 */
		if (unix_)
			return (n->port == -1 || unix_port(r, n->dst) == n->port) && n->plen == 0;
		return host_match(n, s, r);
	case EN_PORT_GE:
	case EN_PORT_LE: {
		int64_t port, bound = n->port;

		if (unix_) {
			port = unix_port(r, n->dst); /* no kernel program for UNIX: ss's reading */
		} else {
			port = n->dst ? r->dport : r->sport;
			if (kern)
				bound = (uint16_t)n->port;
		}
		return n->kind == EN_PORT_GE ? port >= bound : port <= bound;
	}
	case EN_UNIX: {
		const struct sock_rec *peer = r;

		if (!unix_)
			return 0;
		if (n->dst) {
			const uint32_t *slot =
				r->peer != 0 ? u32map_get(&s->unix_peers, r->peer) : NULL;

			if (slot == NULL)
				return fnmatch(n->str, "", FNM_CASEFOLD) == 0;
			peer = &s->socks.v[*slot];
		}
		return unix_match(n->str, s, peer);
	}
	case EN_USER:
		return r->uid == n->num;
	case EN_NETNS: {
		size_t len;
		const char *name = netns_name(s, r->netns, &len);

		if (n->num >= 0 && s->netns[r->netns].ino == n->num)
			return 1;
		return len == strlen(n->str) && memcmp(name, n->str, len) == 0;
	}
	default:
		return owner_has(n, s, sock);
	}
}

int sock_expr_match(const struct sock_expr *e, const struct snapshot *s, uint32_t sock)
{
	const struct sock_rec *r = &s->socks.v[sock];

	if (r->state >= 32 || !(e->states & ST_BIT(r->state)))
		return 0;
	if (e->family != 0 && r->family != e->family)
		return 0;
	if (e->root == NULL)
		return 1;
	if (e->odd_port && r->family != AF_UNIX)
		return eval(e->root, s, sock, 1) && eval(e->root, s, sock, 0);
	return eval(e->root, s, sock, 0);
}

/* Pushdown. */

/*
 * The states in which n may be true (t) and may be false (f), for a socket
 * that is UNIX (unix_) or not: a state word is exact, every other
 * condition may go either way, except those that cannot hold for that kind.
 */
static void may(const struct enode *n, int unix_, uint32_t *t, uint32_t *f)
{
	uint32_t t1, f1, t2, f2;

	switch (n->kind) {
	case EN_TRUE:
		*t = ST_ALL, *f = 0;
		return;
	case EN_FALSE:
		*t = 0, *f = ST_ALL;
		return;
	case EN_STATE:
		*t = n->states & ST_ALL;
		*f = ST_ALL & ~n->states;
		return;
	case EN_NOT:
		may(n->a, unix_, f, t);
		return;
	case EN_AND:
	case EN_OR:
		may(n->a, unix_, &t1, &f1);
		may(n->b, unix_, &t2, &f2);
		*t = n->kind == EN_AND ? t1 & t2 : t1 | t2;
		*f = n->kind == EN_AND ? f1 | f2 : f1 & f2;
		return;
	case EN_HOST:
		if (unix_ && n->plen > 0)
			*t = 0, *f = ST_ALL;
		else
			*t = *f = ST_ALL;
		return;
	case EN_UNIX:
		*t = unix_ ? ST_ALL : 0;
		*f = ST_ALL;
		return;
	default:
		*t = *f = ST_ALL;
		return;
	}
}

/*
 * The part of n the kernel's program can test, for inet sockets: over (1)
 * is true whenever n may be, under (0) only when n is. Conditions the
 * program cannot test become true or false to that end; constants fold.
 */
static struct enode *approx(const struct enode *n, int over)
{
	struct enode *a, *b;

	switch (n->kind) {
	case EN_HOST:
	case EN_PORT_GE:
	case EN_PORT_LE: {
		struct enode *c;

		if (n->kind == EN_HOST && n->port == -1 && n->family == AF_UNSPEC)
			return node(EN_TRUE); /* "dport = :", "src *": every socket */
		c = node(n->kind);
		*c = *n;
		c->str = NULL;
		c->a = c->b = NULL;
		return c; /* a port comparison's bound goes in cut to 16 bits, as ss sends it */
	}
	case EN_UNIX:
	case EN_FALSE:
		return node(EN_FALSE); /* never true of an inet socket */
	case EN_TRUE:
		return node(EN_TRUE);
	case EN_NOT:
		a = approx(n->a, !over);
		if (a->kind == EN_TRUE || a->kind == EN_FALSE) {
			a->kind = a->kind == EN_TRUE ? EN_FALSE : EN_TRUE;
			return a;
		}
		return node2(EN_NOT, a, NULL);
	case EN_AND:
	case EN_OR: {
		int and = n->kind == EN_AND;

		a = approx(n->a, over);
		b = approx(n->b, over);
		/* and: false absorbs, true drops out; or: the other way round. */
		if (a->kind == (and? EN_FALSE : EN_TRUE) || b->kind == (and? EN_TRUE : EN_FALSE)) {
			node_free(b);
			return a;
		}
		if (b->kind == (and? EN_FALSE : EN_TRUE) || a->kind == (and? EN_TRUE : EN_FALSE)) {
			node_free(a);
			return b;
		}
		return node2(n->kind, a, b);
	}
	default: /* state, pid, user, comm, service, netns: not in the program */
		return node(over ? EN_TRUE : EN_FALSE);
	}
}

/*
 * The program: ops in order; each true result falls through to the next op
 * (the kernel's audit walks the ops by their yes offsets), a false one jumps
 * forward to a label. Reaching the end accepts the socket, jumping to 4 past
 * it rejects it. Labels are op indices resolved after the whole program is
 * laid out.
 */
struct bc_op {
	uint8_t code;
	uint8_t len; /* bytes: 4, 8 (port comparison), 8 + address (host condition) */
	int label;   /* where "no" goes (a label number) */
	const struct enode *n;
};

struct bc {
	struct bc_op ops[256];
	size_t nops;
	size_t label_at[256]; /* label -> index of the op it stands before; nops: the end */
	int nlabels;
	int overflow;
};

enum { L_REJECT = 0 };

static int bc_label(struct bc *c)
{
	if (c->nlabels >= 256) {
		c->overflow = 1;
		return L_REJECT;
	}
	return c->nlabels++;
}

static void bc_place(struct bc *c, int label)
{
	c->label_at[label] = c->nops;
}

static void bc_emit(struct bc *c, uint8_t code, uint8_t len, int label, const struct enode *n)
{
	if (c->nops >= 256) {
		c->overflow = 1;
		return;
	}
	c->ops[c->nops++] = (struct bc_op){ code, len, label, n };
}

/* Code for n: falls through when true, jumps to label no when false. */
static void bc_gen(struct bc *c, const struct enode *n, int no)
{
	int l, end;

	switch (n->kind) {
	case EN_AND:
		bc_gen(c, n->a, no);
		bc_gen(c, n->b, no);
		return;
	case EN_OR:
		l = bc_label(c);
		end = bc_label(c);
		bc_gen(c, n->a, l);
		bc_emit(c, INET_DIAG_BC_JMP, 4, end, NULL);
		bc_place(c, l);
		bc_gen(c, n->b, no);
		bc_place(c, end);
		return;
	case EN_NOT:
		l = bc_label(c);
		bc_gen(c, n->a, l);
		bc_emit(c, INET_DIAG_BC_JMP, 4, no, NULL);
		bc_place(c, l);
		return;
	case EN_PORT_GE:
	case EN_PORT_LE:
		if (n->dst)
			bc_emit(c, n->kind == EN_PORT_GE ? INET_DIAG_BC_D_GE : INET_DIAG_BC_D_LE, 8,
				no, n);
		else
			bc_emit(c, n->kind == EN_PORT_GE ? INET_DIAG_BC_S_GE : INET_DIAG_BC_S_LE, 8,
				no, n);
		return;
	default: /* EN_HOST */
		bc_emit(c, n->dst ? INET_DIAG_BC_D_COND : INET_DIAG_BC_S_COND,
			(uint8_t)(4 + sizeof(struct inet_diag_hostcond) +
				  (n->family == AF_INET6  ? 16
				   : n->family == AF_INET ? 4
							  : 0)),
			no, n);
		return;
	}
}

/* Lay out the ops into pd->bc: 0, or -1 when it does not fit. */
static int bc_write(struct diag_pushdown *pd, struct bc *c)
{
	size_t off[257], i, len = 0;

	if (c->overflow)
		return -1;
	for (i = 0; i < c->nops; i++) {
		off[i] = len;
		len += c->ops[i].len;
	}
	off[c->nops] = len;
	if (len > sizeof pd->bc || len + 4 > 65535)
		return -1;
	for (i = 0; i < c->nops; i++) {
		const struct bc_op *o = &c->ops[i];
		struct inet_diag_bc_op op = { o->code, o->len, 0 };
		size_t target = o->label == L_REJECT ? len + 4 : off[c->label_at[o->label]];

		op.no = (unsigned short)(target - off[i]);
		memcpy(pd->bc + off[i], &op, sizeof op);
		if (o->len == 8 && o->code != INET_DIAG_BC_S_COND &&
		    o->code != INET_DIAG_BC_D_COND) {
			struct inet_diag_bc_op arg = { 0, 0, (unsigned short)o->n->port };

			memcpy(pd->bc + off[i] + 4, &arg, sizeof arg);
		} else if (o->n != NULL) {
			struct inet_diag_hostcond hc;
			size_t alen = o->len - 4 - sizeof hc;

			memset(&hc, 0, sizeof hc);
			hc.family = o->n->family;
			hc.prefix_len = o->n->plen;
			hc.port = o->n->port;
			memcpy(pd->bc + off[i] + 4, &hc, sizeof hc);
			memcpy(pd->bc + off[i] + 4 + sizeof hc, o->n->addr, alen);
		}
	}
	pd->bclen = len;
	return 0;
}

void sock_expr_pushdown(const struct sock_expr *e, struct diag_pushdown *pd)
{
	uint32_t inet_t = ST_ALL, unix_t = ST_ALL, f;
	struct enode *over;
	struct bc *c;

	memset(pd, 0, sizeof *pd);
	if (e->root != NULL) {
		may(e->root, 0, &inet_t, &f);
		may(e->root, 1, &unix_t, &f);
	}
	inet_t &= e->states;
	unix_t &= e->states;
	if (e->family == AF_UNIX)
		inet_t = 0;
	else if (e->family != 0)
		unix_t = 0;
	/* The listeners come along for the connections that may match. */
	pd->tcp_states = inet_t != 0 ? inet_t | ST_BIT(TS_LISTEN) : 0;
	pd->udp_states = inet_t != 0 ? inet_t | ST_BIT(TS_CLOSE) : 0;
	pd->unix_states = unix_t != 0 ? unix_t | ST_BIT(TS_LISTEN) : 0;
	if (inet_t == 0)
		pd->skip |= DIAG_SKIP(DD_TCP4) | DIAG_SKIP(DD_TCP6) | DIAG_SKIP(DD_UDP4) |
			    DIAG_SKIP(DD_UDP6) | DIAG_SKIP(DD_UDPLITE4) | DIAG_SKIP(DD_UDPLITE6);
	if (e->family == AF_INET)
		pd->skip |= DIAG_SKIP(DD_UDP6) | DIAG_SKIP(DD_UDPLITE6);
	if (e->family == AF_INET6)
		pd->skip |= DIAG_SKIP(DD_UDP4) | DIAG_SKIP(DD_UDPLITE4);
	if (unix_t == 0)
		pd->skip |= DIAG_SKIP(DD_UNIX);
	if (e->root == NULL || inet_t == 0)
		return;
	over = approx(e->root, 1);
	if (over->kind == EN_TRUE) {
		node_free(over);
		return;
	}
	/* ... or has no remote port: a listener, an unbound or unconnected socket. */
	{
		struct enode *ctx = node(EN_HOST);

		ctx->dst = 1;
		ctx->port = 0;
		over = over->kind == EN_FALSE ? (node_free(over), ctx) : node2(EN_OR, over, ctx);
	}
	c = xcalloc(1, sizeof *c);
	c->nlabels = 1; /* L_REJECT */
	bc_gen(c, over, L_REJECT);
	if (bc_write(pd, c) < 0)
		pd->bclen = 0; /* too long for the kernel: it lists more, sockwatch tests it all */
	free(c);
	node_free(over);
}
