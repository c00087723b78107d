/*
 * view.c: rows and columns of the processes, listen, ports and sockets views:
 * how each cell reads, sorts and is judged. Presentation only: which rows
 * exist and what belongs to what come from the model.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/present.h"
#include "sockwatch/service.h"
#include "sockwatch/view.h"

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* Two sockets' local (or remote) addresses in byte order, as 16 bytes. */
static int addr_cmp(const struct snapshot *s, const struct sock_rec *x, const struct sock_rec *y,
		    int remote)
{
	uint8_t bx[16], by[16];

	return memcmp(sock_addr(&s->socks, x, remote, bx), sock_addr(&s->socks, y, remote, by), 16);
}

static const struct proc_rec *P(const struct snapshot *s, uint32_t row)
{
	return &s->procs.v[row];
}

static const struct proc_stats *PS(const struct snapshot *s, uint32_t row)
{
	return &s->pstats[row];
}

/* A count that is unknown when the process's fd table could not be read. */
static int64_t proc_count(const struct snapshot *s, uint32_t row, uint32_t v)
{
	return P(s, row)->fd_readable ? (int64_t)v : PROC_UNKNOWN;
}

static void fmt_i64(struct strbuf *sb, int64_t v)
{
	if (v == PROC_UNKNOWN)
		sb_putc(sb, '?');
	else if (v == PROC_UNLIMITED)
		sb_puts(sb, "unlimited");
	else
		sb_printf(sb, "%lld", (long long)v);
}

/* CSV: the number, or an empty cell when it is unknown or unlimited (JSON's null). */
static void raw_i64(struct strbuf *sb, int64_t v)
{
	if (v != PROC_UNKNOWN && v != PROC_UNLIMITED)
		sb_printf(sb, "%lld", (long long)v);
}

/* Owners' pids of a socket, comma separated; "-" for none (CSV: empty). */
static void fmt_pid_list(struct strbuf *sb, const struct snapshot *s, uint32_t sock, int csv)
{
	uint32_t l = sock_owner_first(s, sock);

	if (l == NONE && !csv)
		sb_putc(sb, '-');
	for (; l != NONE; l = sock_owner_next(s, l)) {
		sb_printf(sb, "%d", s->procs.v[owner_proc(s, l)].pid);
		if (sock_owner_next(s, l) != NONE)
			sb_putc(sb, ',');
	}
}
static void fmt_owner_pids(struct strbuf *sb, const struct snapshot *s, uint32_t sock)
{
	fmt_pid_list(sb, s, sock, 0);
}

static void fmt_owner_comm(struct strbuf *sb, const struct snapshot *s, uint32_t sock)
{
	uint32_t p = sock_owner(s, sock);
	const char *c;

	if (p == NONE) {
		sb_putc(sb, '-');
		return;
	}
	c = s->procs.v[p].comm;
	esc_text(sb, c, strlen(c));
}

/* A namespace's cell: its name, else its inode; "-" when neither is known. */
static void fmt_netns(struct strbuf *sb, const struct snapshot *s, uint32_t ns)
{
	size_t len;
	const char *name = netns_name(s, ns, &len);

	if (len > 0)
		esc_text(sb, name, len);
	else if (ns < s->nnetns && s->netns[ns].ino != 0)
		sb_printf(sb, "%u", s->netns[ns].ino);
	else
		sb_putc(sb, '-');
}

/* Namespaces sort by their index: sockwatch's own first, then in the order they were read. */
#define NETNS_COL(pfx, expr)                                                                       \
	static uint32_t pfx##_ns(const struct snapshot *s, uint32_t r)                             \
	{                                                                                          \
		return (expr);                                                                     \
	}                                                                                          \
	static void pfx##_netns(struct strbuf *sb, const struct snapshot *s, uint32_t r)           \
	{                                                                                          \
		fmt_netns(sb, s, pfx##_ns(s, r));                                                  \
	}                                                                                          \
	static int c_##pfx##netns(const struct snapshot *s, uint32_t a, uint32_t b)                \
	{                                                                                          \
		return CMP(pfx##_ns(s, a), pfx##_ns(s, b));                                        \
	}

/* ---- traffic: rates and RTT of the TCP sockets a row holds (traffic.c) ---- */

enum tr_what { TR_RX, TR_TX, TR_RETR, TR_RTT, TR_TALK };

/* A socket's RTT means something once it is connected. */
static int sock_has_rtt(const struct sock_rec *r)
{
	return r->state != TS_LISTEN && r->state != TS_SYN_SENT;
}

/* Row r's value of what; 0 when it is not known (no tcp_info, no rate yet, UDP, UNIX). */
static int tr_value(const struct snapshot *s, enum row_kind k, uint32_t r, enum tr_what what,
		    double *v)
{
	const struct traffic *t;

	if (k == ROW_SOCKET) {
		const struct sock_tcpi *x = snapshot_tcpi(s, r);

		if (x == NULL)
			return 0;
		if (what == TR_RTT) {
			*v = x->rtt_us;
			return sock_has_rtt(&s->socks.v[r]);
		}
		if (!(x->have & TCPI_RATED))
			return 0;
		*v = what == TR_RX     ? x->rx
		     : what == TR_TX   ? x->tx
		     : what == TR_RETR ? x->retr
				       : x->rx + x->tx;
		return 1;
	}
	if (k == ROW_PROC && !s->procs.v[r].fd_readable)
		return 0;
	if (k == ROW_SERVICE && s->services[r].known == 0)
		return 0;
	t = row_traffic(s, k, r);
	if (t == NULL)
		return 0;
	if (what == TR_RTT) {
		*v = t->rtt_med;
		return t->rtt_n > 0;
	}
	*v = what == TR_RX     ? t->rx
	     : what == TR_TX   ? t->tx
	     : what == TR_RETR ? t->retr
			       : t->rx + t->tx;
	return t->rated > 0;
}

/* Bytes per second as people read them: 512, 12.3K, 4.0M, 1.2G (powers of 1024). */
static void fmt_rate_bytes(struct strbuf *sb, double v)
{
	static const char units[] = "KMGT";
	size_t u = 0;

	if (v < 1000) {
		sb_printf(sb, "%.0f", v);
		return;
	}
	v /= 1024;
	while (v >= 1000 && u + 1 < sizeof units - 1) {
		v /= 1024;
		u++;
	}
	sb_printf(sb, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void fmt_tr(struct strbuf *sb, const struct snapshot *s, enum row_kind k, uint32_t r,
		   enum tr_what what)
{
	double v;

	if (!tr_value(s, k, r, what, &v)) {
		sb_putc(sb, '-');
	} else if (what == TR_RTT) {
		if (v < 1000)
			sb_printf(sb, "%.0f\xc2\xb5s", v); /* U+00B5 */
		else if (v < 1e6)
			sb_printf(sb, "%.1fms", v / 1e3);
		else
			sb_printf(sb, "%.2fs", v / 1e6);
	} else if (what == TR_RETR) {
		sb_printf(sb, v < 10 ? "%.1f" : "%.0f", v);
	} else {
		fmt_rate_bytes(sb, v);
	}
}

/* CSV: the number in base units (bytes, seconds), or an empty cell. */
static void raw_tr(struct strbuf *sb, const struct snapshot *s, enum row_kind k, uint32_t r,
		   enum tr_what what)
{
	double v;

	if (tr_value(s, k, r, what, &v))
		sb_printf(sb, what == TR_RTT ? "%.6f" : "%.3f", what == TR_RTT ? v / 1e6 : v);
}

/* Unknown below every known value, so that a descending sort puts it last. */
static int cmp_tr(const struct snapshot *s, enum row_kind k, uint32_t a, uint32_t b,
		  enum tr_what what)
{
	double x = -1, y = -1;

	if (!tr_value(s, k, a, what, &x))
		x = -1;
	if (!tr_value(s, k, b, what, &y))
		y = -1;
	return CMP(x, y);
}

/* Without tcp_info (--no-traffic) the traffic columns would say "-" on every row. */
static int no_traffic(const struct snapshot *s)
{
	return !s->tcp_info;
}

#define TR_COL(pfx, kind, what)                                                                    \
	static void pfx##_f##what(struct strbuf *sb, const struct snapshot *s, uint32_t r)         \
	{                                                                                          \
		fmt_tr(sb, s, kind, r, what);                                                      \
	}                                                                                          \
	static void pfx##_r##what(struct strbuf *sb, const struct snapshot *s, uint32_t r)         \
	{                                                                                          \
		raw_tr(sb, s, kind, r, what);                                                      \
	}                                                                                          \
	static int pfx##_c##what(const struct snapshot *s, uint32_t a, uint32_t b)                 \
	{                                                                                          \
		return cmp_tr(s, kind, a, b, what);                                                \
	}
#define TR_COLS(pfx, kind)                                                                         \
	TR_COL(pfx, kind, TR_RX)                                                                   \
	TR_COL(pfx, kind, TR_TX)                                                                   \
	TR_COL(pfx, kind, TR_RETR)                                                                 \
	TR_COL(pfx, kind, TR_RTT)                                                                  \
	static enum severity pfx##_eTR_RETR(const struct snapshot *s,                              \
					    const struct leak_config *lc, uint32_t r)              \
	{                                                                                          \
		double v;                                                                          \
		(void)lc;                                                                          \
		return tr_value(s, kind, r, TR_RETR, &v) && v > 0 ? SEV_WARN : SEV_NORMAL;         \
	}                                                                                          \
	static int pfx##_talk(const struct snapshot *s, uint32_t a, uint32_t b)                    \
	{                                                                                          \
		return cmp_tr(s, kind, a, b, TR_TALK);                                             \
	}
/* One traffic column: a number, hidden without tcp_info; CSV's cell is in base units. */
#define TR_ENTRY(title, key, w, pfx, what, sev, role)                                              \
	{                                                                                          \
		title, key, 1, w, pfx##_f##what, pfx##_c##what, sev, no_traffic, pfx##_r##what,    \
			COL_ALL, role                                                              \
	}
/* The four columns, in every view's table. */
#define TR_ENTRIES(pfx, rtt_key)                                                                   \
	TR_ENTRY("RX/s", "rx_bytes_per_second", 7, pfx, TR_RX, NULL, COL_ROLE_TALKER),             \
		TR_ENTRY("TX/s", "tx_bytes_per_second", 7, pfx, TR_TX, NULL, COL_ROLE_TALKER),     \
		TR_ENTRY("RETR/s", "retransmits_per_second", 6, pfx, TR_RETR, pfx##_eTR_RETR,      \
			 COL_PLAIN),                                                               \
		TR_ENTRY("RTT", rtt_key, 7, pfx, TR_RTT, NULL, COL_PLAIN)

/* One namespace: NETNS says "host" on every row. */
static int one_netns(const struct snapshot *s)
{
	size_t i;

	for (i = 1; i < s->nnetns; i++) {
		if (s->netns[i].procs > 0 || s->netns[i].sockets > 0)
			return 0;
	}
	return 1;
}

/* At most one service: SERVICE says the same on every row. */
static int one_service(const struct snapshot *s)
{
	return s->nservices <= 1;
}

int view_col_shown(const struct snapshot *s, const struct column *c)
{
	if (c->where == COL_CSV)
		return 0;
	return s == NULL || c->same == NULL || !c->same(s);
}

static void fmt_service(struct strbuf *sb, const struct snapshot *s, uint32_t svc)
{
	size_t len;
	const char *name = service_name(s, svc, &len);

	if (len > 0)
		esc_text(sb, name, len);
	else
		sb_putc(sb, '-');
}

static int cmp_service(const struct snapshot *s, uint32_t x, uint32_t y)
{
	size_t lx, ly;
	const char *nx = service_name(s, x, &lx), *ny = service_name(s, y, &ly);
	int c = memcmp(nx, ny, lx < ly ? lx : ly);

	return c != 0 ? c : CMP(lx, ly);
}

/* ---- processes ---- */

static void p_pid(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_printf(sb, "%d", P(s, r)->pid);
}
static int c_pid(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(P(s, a)->pid, P(s, b)->pid);
}

static void p_user(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	const struct proc_rec *p = P(s, r);
	size_t len;
	const char *u = strpool_get(&s->procs.strs, p->user, &len);

	if (len > 0)
		esc_text(sb, u, len);
	else
		fmt_i64(sb, p->uid);
}
/* The kernel's one-letter state (R running, S sleeping, T stopped, Z zombie...), ? unknown. */
static char proc_state(const struct proc_rec *p)
{
	return p->state >= 'A' && p->state <= 'z' && isalpha((unsigned char)p->state) ? p->state
										      : '?';
}
static void p_state(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_putc(sb, proc_state(P(s, r)));
}
/* CSV: the letter, or empty when the stat line could not be read. */
static void r_state(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	char c = proc_state(P(s, r));

	if (c != '?')
		sb_putc(sb, c);
}
static int c_state(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(proc_state(P(s, a)), proc_state(P(s, b)));
}
/* A stopped process (T, t) accepts nothing; a zombie holds nothing any more. */
static enum severity e_state(const struct snapshot *s, const struct leak_config *lc, uint32_t r)
{
	char c = proc_state(P(s, r));

	(void)lc;
	return c == 'T' || c == 't' ? SEV_CRIT : c == 'Z' || c == 'D' ? SEV_WARN : SEV_NORMAL;
}

static int c_user(const struct snapshot *s, uint32_t a, uint32_t b)
{
	const char *x = strpool_get(&s->procs.strs, P(s, a)->user, NULL);
	const char *y = strpool_get(&s->procs.strs, P(s, b)->user, NULL);
	int c = strcmp(x, y);

	return c != 0 ? c : CMP(P(s, a)->uid, P(s, b)->uid);
}

static void p_fds(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_i64(sb, P(s, r)->fds);
}
static void r_fds(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	raw_i64(sb, P(s, r)->fds);
}
/* Unknown values read dim, in every column that can hold one. */
static enum severity sev_unknown(int64_t v)
{
	return v == PROC_UNKNOWN ? SEV_DIM : SEV_NORMAL;
}
static enum severity e_fds(const struct snapshot *s, const struct leak_config *lc, uint32_t r)
{
	(void)lc;
	return sev_unknown(P(s, r)->fds);
}
static int c_fds(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(P(s, a)->fds, P(s, b)->fds);
}

static void p_limit(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_i64(sb, P(s, r)->fd_limit);
}
static void r_limit(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	raw_i64(sb, P(s, r)->fd_limit);
}
static enum severity e_limit(const struct snapshot *s, const struct leak_config *lc, uint32_t r)
{
	(void)lc;
	return sev_unknown(P(s, r)->fd_limit);
}
static int c_limit(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(P(s, a)->fd_limit, P(s, b)->fd_limit);
}

#define FD_OVER INT64_MAX /* fds against a soft limit of 0: beyond any share */

/* FD% in tenths of a percent, -1 when unknown. */
static int64_t fd_permille(const struct proc_rec *p)
{
	if (p->fds < 0 || p->fd_limit < 0 || p->fd_limit == PROC_UNLIMITED)
		return -1;
	if (p->fd_limit == 0)
		return p->fds > 0 ? FD_OVER : 0;
	if (p->fds > INT64_MAX / 1000) /* no kernel gives that; a crafted recording may */
		return FD_OVER;
	return p->fds * 1000 / p->fd_limit;
}
static void p_fdpct(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	int64_t v = fd_permille(P(s, r));

	if (v < 0)
		sb_putc(sb, '?');
	else if (v == FD_OVER)
		sb_puts(sb, ">100");
	else
		sb_printf(sb, "%lld.%lld", (long long)(v / 10), (long long)(v % 10));
}
/* CSV: the share itself, over 100 too; empty when unknown or against a limit of 0. */
static void r_fdpct(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	int64_t v = fd_permille(P(s, r));

	if (v >= 0 && v != FD_OVER)
		sb_printf(sb, "%lld.%lld", (long long)(v / 10), (long long)(v % 10));
}
static int c_fdpct(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(fd_permille(P(s, a)), fd_permille(P(s, b)));
}
/* The fd_limit thresholds of the leak detector (--fd-warn, --fd-crit), as it judges them. */
static enum severity e_fdpct(const struct snapshot *s, const struct leak_config *lc, uint32_t r)
{
	const struct proc_rec *p = P(s, r);

	if (fd_permille(p) < 0)
		return SEV_DIM;
	return severity_of_level(leak_fd_level(lc, p->fds, p->fd_limit));
}

#define PROC_COUNT_COL(name, expr, warn)                                                           \
	static int64_t v_##name(const struct snapshot *s, uint32_t r)                              \
	{                                                                                          \
		const struct proc_stats *ps = PS(s, r);                                            \
		(void)ps;                                                                          \
		return proc_count(s, r, (expr));                                                   \
	}                                                                                          \
	static void p_##name(struct strbuf *sb, const struct snapshot *s, uint32_t r)              \
	{                                                                                          \
		fmt_i64(sb, v_##name(s, r));                                                       \
	}                                                                                          \
	static void r_##name(struct strbuf *sb, const struct snapshot *s, uint32_t r)              \
	{                                                                                          \
		raw_i64(sb, v_##name(s, r));                                                       \
	}                                                                                          \
	static int c_##name(const struct snapshot *s, uint32_t a, uint32_t b)                      \
	{                                                                                          \
		return CMP(v_##name(s, a), v_##name(s, b));                                        \
	}                                                                                          \
	static enum severity e_##name(const struct snapshot *s, const struct leak_config *lc,      \
				      uint32_t r)                                                  \
	{                                                                                          \
		int64_t v = v_##name(s, r);                                                        \
		(void)lc;                                                                          \
		return v == PROC_UNKNOWN ? SEV_DIM : (warn) && v > 0 ? SEV_WARN : SEV_NORMAL;      \
	}

PROC_COUNT_COL(sockets, proc_sockets(s, r), 0)
PROC_COUNT_COL(tcp, ps->tcp, 0)
PROC_COUNT_COL(udp, ps->udp, 0)
PROC_COUNT_COL(unix, ps->unix_, 0)
PROC_COUNT_COL(estab, ps->states[TS_ESTABLISHED], 0)
/* Any CLOSE_WAIT socket is a close() not yet made: yellow. */
PROC_COUNT_COL(closewait, ps->states[TS_CLOSE_WAIT], 1)
/* A dead socket fd (TCP, in no dump) is one too, or a socket never connected: yellow. */
PROC_COUNT_COL(dead, ps->dead, 1)

static void fmt_proc_command(struct strbuf *sb, const struct snapshot *s, const struct proc_rec *p)
{
	size_t len;
	const char *cmd = strpool_get(&s->procs.strs, p->cmdline, &len);

	if (len > 0) {
		esc_text(sb, cmd, len);
		return;
	}
	sb_putc(sb, '[');
	esc_text(sb, p->comm, strlen(p->comm));
	sb_putc(sb, ']');
}
static void p_command(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_proc_command(sb, s, P(s, r));
}
static int c_command(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return strcmp(P(s, a)->comm, P(s, b)->comm);
}

static const struct leak_verdict no_verdict; /* when the detector did not run */

static const struct leak_verdict *LV(const struct snapshot *s, uint32_t r)
{
	return s->leak != NULL ? &s->leak[r] : &no_verdict;
}

/*
 * A LEAK column over the verdicts that get(s, row) gives: "-", or the level
 * and the reasons in short ("WARN grow,cw"), sorted by severity.
 */
#define LEAK_COL(pfx, get)                                                                         \
	static void pfx##_leak(struct strbuf *sb, const struct snapshot *s, uint32_t r)            \
	{                                                                                          \
		const struct leak_verdict *v = get(s, r);                                          \
		if (v->level == LEAK_OK) {                                                         \
			sb_putc(sb, '-');                                                          \
			return;                                                                    \
		}                                                                                  \
		sb_puts(sb, v->level == LEAK_CRITICAL ? "CRIT " : "WARN ");                        \
		leak_reasons_brief(sb, v->reasons);                                                \
	}                                                                                          \
	static int c_##pfx##leak(const struct snapshot *s, uint32_t a, uint32_t b)                 \
	{                                                                                          \
		return leak_verdict_cmp(get(s, a), get(s, b));                                     \
	}                                                                                          \
	static enum severity e_##pfx##leak(const struct snapshot *s, const struct leak_config *lc, \
					   uint32_t r)                                             \
	{                                                                                          \
		(void)lc;                                                                          \
		return severity_of_level(get(s, r)->level);                                        \
	}

LEAK_COL(p, LV)

NETNS_COL(p, PS(s, r)->netns)

static void p_service(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_service(sb, s, proc_service(s, r));
}
static int c_service(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return cmp_service(s, proc_service(s, a), proc_service(s, b));
}

TR_COLS(trp, ROW_PROC)

static const struct column proc_cols[] = {
	{ "PID", "pid", 1, 7, p_pid, c_pid, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "USER", "user", 0, 9, p_user, c_user, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "S", "state", 0, 1, p_state, c_state, e_state, NULL, r_state, COL_ALL, COL_PLAIN },
	{ "FDS", "fds", 1, 6, p_fds, c_fds, e_fds, NULL, r_fds, COL_ALL, COL_PLAIN },
	{ "LIMIT", "fd_limit", 1, 7, p_limit, c_limit, e_limit, NULL, r_limit, COL_ALL, COL_PLAIN },
	{ "FD%", "fd_pct", 1, 5, p_fdpct, c_fdpct, e_fdpct, NULL, r_fdpct, COL_ALL, COL_PLAIN },
	{ "SOCKETS", "sockets", 1, 7, p_sockets, c_sockets, e_sockets, NULL, r_sockets, COL_ALL,
	  COL_PLAIN },
	{ "TCP", "tcp", 1, 6, p_tcp, c_tcp, e_tcp, NULL, r_tcp, COL_ALL, COL_PLAIN },
	{ "UDP", "udp", 1, 5, p_udp, c_udp, e_udp, NULL, r_udp, COL_ALL, COL_PLAIN },
	{ "UNIX", "unix", 1, 5, p_unix, c_unix, e_unix, NULL, r_unix, COL_ALL, COL_PLAIN },
	{ "ESTAB", "established", 1, 6, p_estab, c_estab, e_estab, NULL, r_estab, COL_ALL,
	  COL_PLAIN },
	{ "CLOSE_WAIT", "close_wait", 1, 10, p_closewait, c_closewait, e_closewait, NULL,
	  r_closewait, COL_ALL, COL_PLAIN },
	{ "DEAD", "dead", 1, 5, p_dead, c_dead, e_dead, NULL, r_dead, COL_ALL, COL_PLAIN },
	{ "LEAK", "leak", 0, 14, p_leak, c_pleak, e_pleak, NULL, NULL, COL_ALL, COL_PLAIN },
	TR_ENTRIES(trp, "rtt_median_seconds"),
	{ "SERVICE", "service", 0, 20, p_service, c_service, NULL, one_service, NULL, COL_ALL,
	  COL_PLAIN },
	{ "NETNS", "netns", 0, 12, p_netns, c_pnetns, NULL, one_netns, NULL, COL_ALL, COL_PLAIN },
	{ "COMMAND", "command", 0, 0, p_command, c_command, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
};

/* ---- listening ---- */

static const struct sock_rec *LS(const struct snapshot *s, uint32_t row)
{
	return &s->socks.v[s->listeners[row].sock];
}

NETNS_COL(l, LS(s, r)->netns)

static void l_proto(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_puts(sb, sock_type_name(LS(s, r)));
}
static int c_lproto(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return strcmp(sock_type_name(LS(s, a)), sock_type_name(LS(s, b)));
}

static void l_local(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_sock_endpoint(sb, s, LS(s, r), 1);
}
/* CSV keeps the port a number: a name is for people, and may change with the file. */
static void r_llocal(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_sock_endpoint_numeric(sb, s, LS(s, r), 1);
}
static int c_llocal(const struct snapshot *s, uint32_t a, uint32_t b)
{
	const struct sock_rec *x = LS(s, a), *y = LS(s, b);
	int c = CMP(x->sport, y->sport);

	if (c == 0)
		c = CMP(x->family, y->family);
	if (c == 0)
		c = addr_cmp(s, x, y, 0);
	if (c == 0)
		c = CMP(x->name, y->name);
	return c;
}

/* A UDP socket has no accept queue: its rqueue and wqueue are datagrams' bytes. */
static int l_has_queue(const struct sock_rec *x)
{
	return x->proto != SP_UDP && x->proto != SP_UDPLITE;
}
static void l_queue(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	const struct sock_rec *x = LS(s, r);

	if (!l_has_queue(x))
		sb_putc(sb, '-');
	else
		sb_printf(sb, "%u/%u", x->rqueue, x->wqueue);
}
static int c_lqueue(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(LS(s, a)->rqueue, LS(s, b)->rqueue);
}
/* CSV's two cells of QUEUE/BACKLOG: each a number, or empty for UDP. */
static void l_rqueue(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	if (l_has_queue(LS(s, r)))
		sb_printf(sb, "%u", LS(s, r)->rqueue);
}
static void l_backlog(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	if (l_has_queue(LS(s, r)))
		sb_printf(sb, "%u", LS(s, r)->wqueue);
}
static int c_lbacklog(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(LS(s, a)->wqueue, LS(s, b)->wqueue);
}
/* A full accept queue: new connections wait, then are dropped. */
static enum severity e_lqueue(const struct snapshot *s, const struct leak_config *lc, uint32_t r)
{
	(void)lc;
	return listener_queue_full(LS(s, r)) ? SEV_CRIT : SEV_NORMAL;
}

static void l_conns(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	uint32_t c = s->listeners[r].connections;

	if (c == NONE)
		sb_putc(sb, '-');
	else
		sb_printf(sb, "%u", c);
}
static void r_lconns(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	if (s->listeners[r].connections != NONE)
		sb_printf(sb, "%u", s->listeners[r].connections);
}
static int c_lconns(const struct snapshot *s, uint32_t a, uint32_t b)
{
	uint32_t x = s->listeners[a].connections, y = s->listeners[b].connections;

	return CMP(x == NONE ? 0 : x + 1, y == NONE ? 0 : y + 1);
}

static uint32_t sock_first_pid(const struct snapshot *s, uint32_t sock)
{
	uint32_t p = sock_owner(s, sock);

	return p == NONE ? 0 : (uint32_t)s->procs.v[p].pid;
}

static const char *sock_first_comm(const struct snapshot *s, uint32_t sock)
{
	uint32_t p = sock_owner(s, sock);

	return p == NONE ? "" : s->procs.v[p].comm;
}

static void l_pid(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_owner_pids(sb, s, s->listeners[r].sock);
}
static void r_lpid(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_pid_list(sb, s, s->listeners[r].sock, 1);
}
static int c_lpid(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(sock_first_pid(s, s->listeners[a].sock),
		   sock_first_pid(s, s->listeners[b].sock));
}

static void l_comm(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_owner_comm(sb, s, s->listeners[r].sock);
}
static int c_lcomm(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return strcmp(sock_first_comm(s, s->listeners[a].sock),
		      sock_first_comm(s, s->listeners[b].sock));
}

TR_COLS(trl, ROW_LISTENER)

static const struct column listen_cols[] = {
	{ "PROTO", "proto", 0, 6, l_proto, c_lproto, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "LOCAL ADDRESS:PORT", "local", 0, 30, l_local, c_llocal, NULL, NULL, r_llocal, COL_ALL,
	  COL_ROLE_PORT },
	{ "QUEUE/BACKLOG", "queue", 1, 13, l_queue, c_lqueue, e_lqueue, NULL, NULL, COL_SCREEN,
	  COL_PLAIN },
	{ "QUEUE", "queue", 1, 6, l_rqueue, c_lqueue, NULL, NULL, NULL, COL_CSV, COL_PLAIN },
	{ "BACKLOG", "backlog", 1, 7, l_backlog, c_lbacklog, NULL, NULL, NULL, COL_CSV, COL_PLAIN },
	{ "CONNS", "connections", 1, 7, l_conns, c_lconns, NULL, NULL, r_lconns, COL_ALL,
	  COL_PLAIN },
	TR_ENTRIES(trl, "rtt_median_seconds"),
	{ "PID", "pids", 1, 8, l_pid, c_lpid, NULL, NULL, r_lpid, COL_ALL, COL_PLAIN },
	{ "NETNS", "netns", 0, 12, l_netns, c_lnetns, NULL, one_netns, NULL, COL_ALL, COL_PLAIN },
	{ "COMMAND", "command", 0, 0, l_comm, c_lcomm, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
};

/* ---- ports ---- */

static const struct port_row *PR(const struct snapshot *s, uint32_t row)
{
	return &s->ports[row];
}

NETNS_COL(o, PR(s, r)->netns)

static void o_port(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_port(sb, PR(s, r)->proto, PR(s, r)->port);
}
static void r_oport(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_printf(sb, "%u", PR(s, r)->port);
}
static int c_oport(const struct snapshot *s, uint32_t a, uint32_t b)
{
	int c = CMP(PR(s, a)->port, PR(s, b)->port);

	return c != 0 ? c : CMP(PR(s, a)->dir, PR(s, b)->dir);
}

static void o_proto(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_puts(sb, sock_proto_name(PR(s, r)->proto));
}
static int c_oproto(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(PR(s, a)->proto, PR(s, b)->proto);
}

static void o_dir(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_puts(sb, PR(s, r)->dir == PORT_IN ? "in" : "out");
}
static int c_odir(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(PR(s, a)->dir, PR(s, b)->dir);
}

#define PORT_STATE_COL(name, st)                                                                   \
	static void o_##name(struct strbuf *sb, const struct snapshot *s, uint32_t r)              \
	{                                                                                          \
		sb_printf(sb, "%u", PR(s, r)->states[st]);                                         \
	}                                                                                          \
	static int c_o##name(const struct snapshot *s, uint32_t a, uint32_t b)                     \
	{                                                                                          \
		return CMP(PR(s, a)->states[st], PR(s, b)->states[st]);                            \
	}

PORT_STATE_COL(estab, TS_ESTABLISHED)
PORT_STATE_COL(synsent, TS_SYN_SENT)
PORT_STATE_COL(synrecv, TS_SYN_RECV)
PORT_STATE_COL(finwait1, TS_FIN_WAIT1)
PORT_STATE_COL(finwait2, TS_FIN_WAIT2)
PORT_STATE_COL(timewait, TS_TIME_WAIT)
PORT_STATE_COL(closewait, TS_CLOSE_WAIT)
PORT_STATE_COL(lastack, TS_LAST_ACK)
PORT_STATE_COL(closing, TS_CLOSING)

static enum severity e_oclosewait(const struct snapshot *s, const struct leak_config *lc,
				  uint32_t r)
{
	(void)lc;
	return PR(s, r)->states[TS_CLOSE_WAIT] > 0 ? SEV_WARN : SEV_NORMAL;
}

static void o_peers(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_printf(sb, "%u", PR(s, r)->peers);
}
static int c_opeers(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(PR(s, a)->peers, PR(s, b)->peers);
}

static void fmt_port_pids(struct strbuf *sb, const struct snapshot *s, uint32_t r, int csv)
{
	const struct port_row *pr = PR(s, r);
	uint32_t i;

	if (pr->pid_n == 0 && !csv)
		sb_putc(sb, '-');
	for (i = 0; i < pr->pid_n; i++)
		sb_printf(sb, i ? ",%u" : "%u", s->pids[pr->pid_off + i]);
}
static void o_pids(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_port_pids(sb, s, r, 0);
}
static void r_opids(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_port_pids(sb, s, r, 1);
}
static int c_opids(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(PR(s, a)->pid_n, PR(s, b)->pid_n);
}

TR_COLS(tro, ROW_PORT)

static const struct column port_cols[] = {
	/* Most names fit ("postgresql"); the TUI shows a longer one's number. */
	{ "PORT", "port", 1, 10, o_port, c_oport, NULL, NULL, r_oport, COL_ALL, COL_ROLE_PORT },
	{ "PROTO", "proto", 0, 5, o_proto, c_oproto, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "DIR", "direction", 0, 3, o_dir, c_odir, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "ESTAB", "established", 1, 6, o_estab, c_oestab, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "SYN_SENT", "syn_sent", 1, 8, o_synsent, c_osynsent, NULL, NULL, NULL, COL_ALL,
	  COL_PLAIN },
	{ "SYN_RECV", "syn_recv", 1, 8, o_synrecv, c_osynrecv, NULL, NULL, NULL, COL_ALL,
	  COL_PLAIN },
	{ "FIN_WAIT1", "fin_wait1", 1, 9, o_finwait1, c_ofinwait1, NULL, NULL, NULL, COL_ALL,
	  COL_PLAIN },
	{ "FIN_WAIT2", "fin_wait2", 1, 9, o_finwait2, c_ofinwait2, NULL, NULL, NULL, COL_ALL,
	  COL_PLAIN },
	{ "TIME_WAIT", "time_wait", 1, 9, o_timewait, c_otimewait, NULL, NULL, NULL, COL_ALL,
	  COL_PLAIN },
	{ "CLOSE_WAIT", "close_wait", 1, 10, o_closewait, c_oclosewait, e_oclosewait, NULL, NULL,
	  COL_ALL, COL_PLAIN },
	{ "LAST_ACK", "last_ack", 1, 8, o_lastack, c_olastack, NULL, NULL, NULL, COL_ALL,
	  COL_PLAIN },
	{ "CLOSING", "closing", 1, 7, o_closing, c_oclosing, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "PEERS", "peers", 1, 6, o_peers, c_opeers, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	TR_ENTRIES(tro, "rtt_median_seconds"),
	{ "NETNS", "netns", 0, 12, o_netns, c_onetns, NULL, one_netns, NULL, COL_ALL, COL_PLAIN },
	{ "PIDS", "pids", 0, 0, o_pids, c_opids, NULL, NULL, r_opids, COL_ALL, COL_PLAIN },
};

/* ---- sockets ---- */

static const struct sock_rec *SR(const struct snapshot *s, uint32_t row)
{
	return &s->socks.v[row];
}

NETNS_COL(s, SR(s, r)->netns)

static void s_proto(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_puts(sb, sock_type_name(SR(s, r)));
}
static int c_sproto(const struct snapshot *s, uint32_t a, uint32_t b)
{
	int c = CMP(SR(s, a)->proto, SR(s, b)->proto);

	return c != 0 ? c : CMP(SR(s, a)->family, SR(s, b)->family);
}

static void s_state(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	const struct sock_rec *x = SR(s, r);

	if (x->proto == SP_TCP || x->family == AF_UNIX)
		sb_puts(sb, tcp_state_name(x->state));
	else
		sb_puts(sb, x->state == TS_ESTABLISHED ? "connected" : "unconn");
}
static int c_sstate(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(SR(s, a)->state, SR(s, b)->state);
}
static enum severity e_sstate(const struct snapshot *s, const struct leak_config *lc, uint32_t r)
{
	const struct sock_rec *x = SR(s, r);

	(void)lc;
	if (x->proto != SP_TCP && x->family != AF_UNIX)
		return SEV_NORMAL;
	switch (x->state) {
	case TS_ESTABLISHED:
		return SEV_GOOD;
	case TS_CLOSE_WAIT:
		return SEV_WARN;
	case TS_LISTEN:
		return SEV_INFO;
	case TS_TIME_WAIT:
		return SEV_DIM;
	default:
		return SEV_NORMAL;
	}
}

static void s_local(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_sock_endpoint(sb, s, SR(s, r), 1);
}
static void r_slocal(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_sock_endpoint_numeric(sb, s, SR(s, r), 1);
}
static int c_slocal(const struct snapshot *s, uint32_t a, uint32_t b)
{
	const struct sock_rec *x = SR(s, a), *y = SR(s, b);
	int c = CMP(x->sport, y->sport);

	return c != 0 ? c : addr_cmp(s, x, y, 0);
}

static void s_remote(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_sock_endpoint(sb, s, SR(s, r), 0);
}
static void r_sremote(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_sock_endpoint_numeric(sb, s, SR(s, r), 0);
}
static int c_sremote(const struct snapshot *s, uint32_t a, uint32_t b)
{
	const struct sock_rec *x = SR(s, a), *y = SR(s, b);
	int c = CMP(x->dport, y->dport);

	return c != 0 ? c : addr_cmp(s, x, y, 1);
}

static void s_rq(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_printf(sb, "%u", SR(s, r)->rqueue);
}
static int c_srq(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(SR(s, a)->rqueue, SR(s, b)->rqueue);
}

static void s_wq(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_printf(sb, "%u", SR(s, r)->wqueue);
}
static int c_swq(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(SR(s, a)->wqueue, SR(s, b)->wqueue);
}

/*
 * AGE: how long the socket has been in its state where the kernel tells,
 * else since sockwatch first saw it (sock_age). "≥" before a lower bound,
 * which is cut to whole seconds so as not to claim more; "-" when nothing is
 * known, a lower bound under a second included. CSV: the seconds, with
 * age_exact and age_source in columns of their own.
 */
static void s_age(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	double sec;
	int exact = sock_age(s, r, &sec, NULL);

	if (exact < 0 || (!exact && sec < 1.0)) {
		sb_putc(sb, '-');
		return;
	}
	if (!exact) {
		sb_puts(sb, "\xe2\x89\xa5"); /* U+2265 */
		sec = (double)(long long)sec;
	}
	fmt_duration(sb, sec);
}
static void r_sage(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	double sec;

	if (sock_age(s, r, &sec, NULL) >= 0)
		sb_printf(sb, "%.1f", sec);
}
/* Unknown below every age, so that a descending sort puts it last. */
static double sage_key(const struct snapshot *s, uint32_t r)
{
	double sec;

	return sock_age(s, r, &sec, NULL) >= 0 ? sec : -1.0;
}
static int c_sage(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(sage_key(s, a), sage_key(s, b));
}
/* CSV: 1 when the age is exact, 0 when a lower bound, empty when unknown. */
static void r_sageexact(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	double sec;
	int exact = sock_age(s, r, &sec, NULL);

	if (exact >= 0)
		sb_putc(sb, exact ? '1' : '0');
}
/* CSV: "state" or "seen" (what the age counts from), empty when unknown. */
static void r_sagesrc(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	enum age_source src;
	double sec;

	if (sock_age(s, r, &sec, &src) >= 0)
		sb_puts(sb, src == AGE_STATE ? "state" : "seen");
}

static void s_pid(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_owner_pids(sb, s, r);
}
static void r_spid(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_pid_list(sb, s, r, 1);
}
static int c_spid(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(sock_first_pid(s, a), sock_first_pid(s, b));
}

static void s_comm(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_owner_comm(sb, s, r);
}
static int c_scomm(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return strcmp(sock_first_comm(s, a), sock_first_comm(s, b));
}

TR_COLS(trs, ROW_SOCKET)

static const struct column sock_cols[] = {
	{ "PROTO", "proto", 0, 6, s_proto, c_sproto, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "STATE", "state", 0, 11, s_state, c_sstate, e_sstate, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "LOCAL", "local", 0, 28, s_local, c_slocal, NULL, NULL, r_slocal, COL_ALL,
	  COL_ROLE_PORT },
	{ "REMOTE", "remote", 0, 28, s_remote, c_sremote, NULL, NULL, r_sremote, COL_ALL,
	  COL_ROLE_PORT },
	{ "RECV-Q", "recv_q", 1, 7, s_rq, c_srq, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "SEND-Q", "send_q", 1, 7, s_wq, c_swq, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "AGE", "age", 1, 8, s_age, c_sage, NULL, NULL, r_sage, COL_ALL, COL_PLAIN },
	{ "EXACT", "age_exact", 1, 5, r_sageexact, c_sage, NULL, NULL, NULL, COL_CSV, COL_PLAIN },
	{ "SOURCE", "age_source", 0, 6, r_sagesrc, c_sage, NULL, NULL, NULL, COL_CSV, COL_PLAIN },
	TR_ENTRIES(trs, "rtt_seconds"),
	{ "PID", "pids", 1, 8, s_pid, c_spid, NULL, NULL, r_spid, COL_ALL, COL_PLAIN },
	{ "NETNS", "netns", 0, 12, s_netns, c_snetns, NULL, one_netns, NULL, COL_ALL, COL_PLAIN },
	{ "COMMAND", "command", 0, 0, s_comm, c_scomm, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
};

/* ---- services ---- */

static const struct service_row *SV(const struct snapshot *s, uint32_t row)
{
	return &s->services[row];
}

static const struct leak_verdict *SVL(const struct snapshot *s, uint32_t r)
{
	return s->svc_leak != NULL ? &s->svc_leak[r] : &no_verdict;
}

static void v_name(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_service(sb, s, r);
}
static int c_vname(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return cmp_service(s, a, b);
}

static void v_kind(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_puts(sb, service_kind_name(SV(s, r)->kind));
}
static int c_vkind(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(SV(s, a)->kind, SV(s, b)->kind);
}

static void v_procs(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_printf(sb, "%u", SV(s, r)->procs);
}
static int c_vprocs(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(SV(s, a)->procs, SV(s, b)->procs);
}

static void v_fds(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	fmt_i64(sb, SV(s, r)->fds);
}
static void r_vfds(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	raw_i64(sb, SV(s, r)->fds);
}
static int c_vfds(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(SV(s, a)->fds, SV(s, b)->fds);
}

/* A service's sums: "?" when none of its processes could be read, a "+" when some not. */
#define SVC_COUNT_COL(name, expr, warn)                                                            \
	static int64_t svv_##name(const struct snapshot *s, uint32_t r)                            \
	{                                                                                          \
		const struct service_row *sv = SV(s, r);                                           \
		return sv->known == 0 ? PROC_UNKNOWN : (int64_t)(expr);                            \
	}                                                                                          \
	static void sv_##name(struct strbuf *sb, const struct snapshot *s, uint32_t r)             \
	{                                                                                          \
		fmt_i64(sb, svv_##name(s, r));                                                     \
		if (SV(s, r)->known < SV(s, r)->procs && svv_##name(s, r) != PROC_UNKNOWN)         \
			sb_putc(sb, '+');                                                          \
	}                                                                                          \
	/* CSV: the sum without its "+" (the partial column says it), empty for "?" */             \
	static void svr_##name(struct strbuf *sb, const struct snapshot *s, uint32_t r)            \
	{                                                                                          \
		raw_i64(sb, svv_##name(s, r));                                                     \
	}                                                                                          \
	static int svc_##name(const struct snapshot *s, uint32_t a, uint32_t b)                    \
	{                                                                                          \
		return CMP(svv_##name(s, a), svv_##name(s, b));                                    \
	}                                                                                          \
	static enum severity sve_##name(const struct snapshot *s, const struct leak_config *lc,    \
					uint32_t r)                                                \
	{                                                                                          \
		int64_t v = svv_##name(s, r);                                                      \
		(void)lc;                                                                          \
		return v == PROC_UNKNOWN ? SEV_DIM : (warn) && v > 0 ? SEV_WARN : SEV_NORMAL;      \
	}

SVC_COUNT_COL(sockets, sv->sockets, 0)
SVC_COUNT_COL(tcp, sv->tcp, 0)
SVC_COUNT_COL(udp, sv->udp, 0)
SVC_COUNT_COL(unix, sv->unix_, 0)
SVC_COUNT_COL(estab, sv->states[TS_ESTABLISHED], 0)
SVC_COUNT_COL(closewait, sv->states[TS_CLOSE_WAIT], 1)
SVC_COUNT_COL(dead, sv->dead, 1)

LEAK_COL(v, SVL)

/* CSV: 1 when some of the service's processes could not be inspected (the sums leave them out). */
static void r_vpartial(struct strbuf *sb, const struct snapshot *s, uint32_t r)
{
	sb_putc(sb, SV(s, r)->known < SV(s, r)->procs ? '1' : '0');
}
static int c_vpartial(const struct snapshot *s, uint32_t a, uint32_t b)
{
	return CMP(SV(s, a)->procs - SV(s, a)->known, SV(s, b)->procs - SV(s, b)->known);
}

TR_COLS(trv, ROW_SERVICE)

static const struct column service_cols[] = {
	{ "KIND", "kind", 0, 10, v_kind, c_vkind, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "PROCS", "processes", 1, 6, v_procs, c_vprocs, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "FDS", "fds", 1, 7, v_fds, c_vfds, NULL, NULL, r_vfds, COL_ALL, COL_PLAIN },
	{ "SOCKETS", "sockets", 1, 8, sv_sockets, svc_sockets, sve_sockets, NULL, svr_sockets,
	  COL_ALL, COL_PLAIN },
	{ "TCP", "tcp", 1, 7, sv_tcp, svc_tcp, sve_tcp, NULL, svr_tcp, COL_ALL, COL_PLAIN },
	{ "UDP", "udp", 1, 6, sv_udp, svc_udp, sve_udp, NULL, svr_udp, COL_ALL, COL_PLAIN },
	{ "UNIX", "unix", 1, 6, sv_unix, svc_unix, sve_unix, NULL, svr_unix, COL_ALL, COL_PLAIN },
	{ "ESTAB", "established", 1, 7, sv_estab, svc_estab, sve_estab, NULL, svr_estab, COL_ALL,
	  COL_PLAIN },
	{ "CLOSE_WAIT", "close_wait", 1, 10, sv_closewait, svc_closewait, sve_closewait, NULL,
	  svr_closewait, COL_ALL, COL_PLAIN },
	{ "DEAD", "dead", 1, 5, sv_dead, svc_dead, sve_dead, NULL, svr_dead, COL_ALL, COL_PLAIN },
	{ "LEAK", "leak", 0, 14, v_leak, c_vleak, e_vleak, NULL, NULL, COL_ALL, COL_PLAIN },
	{ "PARTIAL", "partial", 1, 7, r_vpartial, c_vpartial, NULL, NULL, NULL, COL_CSV,
	  COL_PLAIN },
	TR_ENTRIES(trv, "rtt_median_seconds"),
	{ "SERVICE", "service", 0, 0, v_name, c_vname, NULL, NULL, NULL, COL_ALL, COL_PLAIN },
};

_Static_assert((int)VIEW_PROCESSES == ROW_PROC && (int)VIEW_LISTEN == ROW_LISTENER &&
		       (int)VIEW_PORTS == ROW_PORT && (int)VIEW_SOCKETS == ROW_SOCKET &&
		       (int)VIEW_SERVICES == ROW_SERVICE,
	       "view_row_kind() maps views onto row kinds by order");

static const struct view_def views[VIEW_COUNT] = {
	[VIEW_PROCESSES] = { "processes", proc_cols, ARRAY_LEN(proc_cols), 6, 1, trp_talk },
	[VIEW_LISTEN] = { "listen", listen_cols, ARRAY_LEN(listen_cols), 1, 0, trl_talk },
	[VIEW_PORTS] = { "ports", port_cols, ARRAY_LEN(port_cols), 3, 1, tro_talk },
	[VIEW_SOCKETS] = { "sockets", sock_cols, ARRAY_LEN(sock_cols), 0, 0, trs_talk },
	[VIEW_SERVICES] = { "services", service_cols, ARRAY_LEN(service_cols), 3, 1, trv_talk },
};

const struct view_def *view_get(enum view_id v)
{
	return &views[v < VIEW_COUNT ? v : VIEW_PROCESSES];
}

int view_by_name(const char *name)
{
	int i;

	for (i = 0; i < VIEW_COUNT; i++) {
		if (strcmp(views[i].name, name) == 0)
			return i;
	}
	return -1;
}

void view_rows(const struct snapshot *s, const struct filter *f, enum view_id v,
	       struct row_list *rl)
{
	model_rows(s, f, view_row_kind(v), rl);
}

struct sort_ctx {
	const struct snapshot *s;
	int (*cmp)(const struct snapshot *s, uint32_t a, uint32_t b);
	int desc;
};

static int sort_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = c->cmp(c->s, x, y);

	if (c->desc)
		r = -r;
	return r != 0 ? r : CMP(x, y);
}

void view_sort(const struct snapshot *s, enum view_id v, struct row_list *rl, int col, int desc)
{
	const struct view_def *vd = view_get(v);
	struct sort_ctx c;

	if (rl->n == 0)
		return; /* qsort_r may not be given a null array, even empty */
	c.s = s;
	if (col == VIEW_SORT_TALKERS && vd->talk != NULL) {
		c.cmp = vd->talk;
		c.desc = 1;
	} else {
		if (col < 0 || (size_t)col >= vd->ncols)
			col = vd->sort_col;
		c.cmp = vd->cols[col].cmp;
		c.desc = desc;
	}
	qsort_r(rl->v, rl->n, sizeof *rl->v, sort_cmp, &c);
}
