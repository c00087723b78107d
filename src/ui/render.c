/* render.c: draw the TUI into a cell buffer. Pure: no curses, no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockwatch/leak.h"
#include "sockwatch/present.h"
#include "ui_int.h"

static const char *const view_titles[VIEW_COUNT] = { "Processes", "Listen", "Ports", "Sockets",
						     "Services" };

/* Text at x, returns the next x. */
static int put(struct cellbuf *cb, int x, int y, const char *s, uint8_t attr)
{
	return x + cellbuf_text(cb, x, y, s, strlen(s), cb->w - x, attr);
}

static int putf(struct cellbuf *cb, int x, int y, uint8_t attr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int putf(struct cellbuf *cb, int x, int y, uint8_t attr, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return put(cb, x, y, buf, attr);
}

/* "label value  " pairs in the header, the value in attr. */
static int pair_attr(struct cellbuf *cb, int x, int y, uint8_t attr, const char *label,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int pair_attr(struct cellbuf *cb, int x, int y, uint8_t attr, const char *label,
		     const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	x = put(cb, x, y, label, AT_LABEL);
	x = put(cb, x, y, " ", AT_NORMAL);
	x = put(cb, x, y, buf, attr);
	return put(cb, x, y, "  ", AT_NORMAL);
}

#define pair(cb, x, y, label, ...) pair_attr(cb, x, y, AT_VALUE, label, __VA_ARGS__)

/* A system-wide resource against its limit: yellow from 80%, red from 95%. */
static uint8_t share_attr(int64_t used, int64_t max)
{
	static const uint8_t attr[] = {
		[LEAK_OK] = AT_VALUE, [LEAK_WARNING] = AT_WARN, [LEAK_CRITICAL] = AT_CRIT
	};

	return attr[pressure_level(used, max)];
}

/*
 * The processes of the header: those shown (-p, -u, --leaks), how many of them could
 * not be inspected, how many of them are flagged. Returns the next x.
 */
static int render_procs(const struct snapshot *s, struct cellbuf *cb, int x, int y)
{
	int shown = 0, unknown = 0, warn = 0, crit = 0;
	size_t i;

	for (i = 0; i < s->procs.n; i++) {
		if (!s->pstats[i].shown)
			continue;
		shown++;
		unknown += !s->procs.v[i].fd_readable;
		if (s->leak != NULL) {
			warn += s->leak[i].level == LEAK_WARNING;
			crit += s->leak[i].level == LEAK_CRITICAL;
		}
	}
	x = pair(cb, x, y, "Procs", "%d", shown);
	if (unknown > 0)
		x = putf(cb, x, y, AT_DIM, "(%d not inspectable)  ", unknown);
	if (s->leak != NULL) {
		x = put(cb, x, y, "Leaking ", AT_LABEL);
		if (warn + crit == 0)
			x = put(cb, x, y, "0", AT_GOOD);
		else
			x = putf(cb, x, y, crit ? AT_CRIT : AT_WARN, "%d (%d critical)",
				 warn + crit, crit);
		x = put(cb, x, y, "  ", AT_NORMAL);
	}
	return x;
}

/* Sockets per protocol, from x on line y (the header's, and the first frame's). */
static int put_socket_counts(struct cellbuf *cb, int x, int y, const struct totals *t)
{
	x = pair(cb, x, y, "Sockets", "%u", t->sockets);
	x = pair(cb, x, y, "tcp", "%u", t->proto[SP_TCP]);
	x = pair(cb, x, y, "udp", "%u", t->proto[SP_UDP] + t->proto[SP_UDPLITE]);
	return pair(cb, x, y, "unix", "%u", totals_unix(t));
}

/* TCP sockets per state, from x on line y. */
static int put_tcp_states(struct cellbuf *cb, int x, int y, const struct totals *t)
{
	x = put(cb, x, y, "TCP ", AT_LABEL);
	x = pair(cb, x, y, "estab", "%u", t->tcp_states[TS_ESTABLISHED]);
	x = pair(cb, x, y, "listen", "%u", t->tcp_states[TS_LISTEN]);
	x = pair(cb, x, y, "syn_recv", "%u", t->tcp_states[TS_SYN_RECV]);
	x = pair(cb, x, y, "close_wait", "%u", t->tcp_states[TS_CLOSE_WAIT]);
	x = pair(cb, x, y, "time_wait", "%u", t->tcp_states[TS_TIME_WAIT]);
	return pair(cb, x, y, "fin_wait", "%u",
		    t->tcp_states[TS_FIN_WAIT1] + t->tcp_states[TS_FIN_WAIT2]);
}

/* The first line, live: host, time, interval, what a refresh costs. */
static void render_live_line(const struct ui *u, struct cellbuf *cb, const char *when)
{
	const struct snapshot *s = u->snap;
	int x, y = 0;

	x = put(cb, 0, y, "sockwatch ", AT_VALUE);
	x = put(cb, x, y, u->host, AT_NORMAL);
	x = putf(cb, x, y, AT_NORMAL, "  %s  every %.1fs", when, u->delay);
	/*
	 * What a refresh costs, and the interval it allows: a refresh that takes
	 * longer than the interval is not queued behind itself, the next one
	 * starts when it ends, and the header says so.
	 */
	if (u->interval > u->delay * 1.2 && u->interval - u->delay > 0.05)
		x = putf(cb, x, y, AT_WARN, "  refresh %.1fs: every %.1fs", s->refresh_s,
			 u->interval);
	else if (s->refresh_s >= 1)
		x = putf(cb, x, y, AT_DIM, "  refresh %.1fs", s->refresh_s);
	else if (s->refresh_s > 0)
		x = putf(cb, x, y, AT_DIM, "  refresh %.0fms", s->refresh_s * 1e3);
	if (u->paused)
		put(cb, x + 2, y, "[PAUSED]", AT_WARN);
}

/*
 * The first line of a replay: REPLAY, the recorded date and time (a recording
 * spans days), which record of how many, playing or paused.
 */
static void render_replay_line(const struct ui *u, struct cellbuf *cb)
{
	const struct snapshot *s = u->snap;
	const struct ui_replay *rp = &u->rp;
	char when[32] = "----------- --:--:--";
	struct strbuf name;
	struct tm tm;
	int x, y = 0;

	if (localtime_r(&s->time.tv_sec, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	x = put(cb, 0, y, "sockwatch ", AT_VALUE);
	x = put(cb, x, y, "REPLAY", AT_WARN);
	sb_init(&name);
	esc_text(&name, rp->name, strlen(rp->name));
	x = putf(cb, x, y, AT_NORMAL, " %s  %s  record %zu/%zu  every %.1fs", name.buf, when,
		 rp->index + 1, rp->count, rp->interval);
	sb_fini(&name);
	if (rp->playing)
		putf(cb, x + 2, y, AT_INFO, "[PLAYING %dx]", ui_replay_speeds[rp->speed]);
	else
		put(cb, x + 2, y, "[PAUSED]", AT_DIM);
}

/*
 * Host and time; sockets per protocol, files and processes; TCP states and the
 * machine's walls. With -p or -u the process counts are those of the processes shown
 * and come first; the figures after "machine:" are the whole machine's.
 */
static void render_header(const struct ui *u, struct cellbuf *cb)
{
	const struct snapshot *s = u->snap;
	const struct totals *t = &s->totals;
	int lines = ui_header_lines(u), x, y = 0;
	int scoped = filter_active(&u->cfg->filter);
	char when[16] = "--:--:--";
	struct tm tm;

	if (u->rp.on) {
		render_replay_line(u, cb);
	} else {
		if (s->time.tv_sec != 0 && localtime_r(&s->time.tv_sec, &tm) != NULL)
			strftime(when, sizeof when, "%H:%M:%S", &tm);
		render_live_line(u, cb, when);
	}
	if (lines < 2)
		return;
	y++;
	x = 0;
	if (scoped) {
		x = render_procs(s, cb, x, y);
		x = put(cb, x, y, "machine: ", AT_DIM);
	}
	x = put_socket_counts(cb, x, y, t);
	if (t->fds_alloc >= 0 && t->fds_max >= 0)
		x = pair_attr(cb, x, y, share_attr(t->fds_alloc, t->fds_max), "Files", "%lld/%lld",
			      (long long)t->fds_alloc, (long long)t->fds_max);
	if (!scoped)
		render_procs(s, cb, x, y);
	if (lines < 3)
		return;
	y++;
	x = put_tcp_states(cb, scoped ? put(cb, 0, y, "machine: ", AT_DIM) : 0, y, t);
	x = pair_attr(cb, x, y, share_attr(t->orphans, s->sys.max_orphans), "orphans", "%u",
		      t->orphans);
	if (t->overflows_window > 0) {
		x = put(cb, x, y, "overflows ", AT_LABEL);
		x = putf(cb, x, y, AT_WARN, "+%lld  ", (long long)t->overflows_window);
	}
	if (t->tw_peer_sock != NONE && s->sys.port_lo >= 0) {
		int64_t range = s->sys.port_hi - s->sys.port_lo + 1;

		x = pair_attr(cb, x, y, share_attr(t->tw_peer_max, range), "tw/peer", "%u/%lld",
			      t->tw_peer_max, (long long)range);
	}
}

/*
 * Before the first refresh is in: "collecting", and once its dump is read,
 * what the dump says (sockets per protocol, TCP states), marked as such, while
 * the processes are read (at a million sockets, seconds).
 */
static void render_early(const struct ui *u, struct cellbuf *cb)
{
	const struct totals *t = &u->early;
	int x;

	x = put(cb, 0, 0, "sockwatch ", AT_VALUE);
	x = put(cb, x, 0, u->host, AT_NORMAL);
	if (!u->early_have) {
		put(cb, x, 0, "  collecting...", AT_NORMAL);
		return;
	}
	put(cb, x, 0, "  first refresh: sockets dumped, reading the processes...", AT_WARN);
	put_socket_counts(cb, 0, 1, t);
	put_tcp_states(cb, 0, 2, t);
}

static void render_tabs(const struct ui *u, struct cellbuf *cb)
{
	int y = ui_header_lines(u), x = 0, v;

	for (v = 0; v < VIEW_COUNT; v++) {
		uint8_t a = v == (int)u->view ? AT_TAB_ACTIVE : AT_TAB;

		x = putf(cb, x, y, a, " %d %s ", v + 1, view_titles[v]);
		x = put(cb, x, y, " ", AT_NORMAL);
	}
	if (u->ndrill > 0)
		x = putf(cb, x + 1, y, AT_INFO, "> %s", u->drill[u->ndrill - 1].label);
	if (u->rp.on && u->rp.partial && u->view == VIEW_SOCKETS)
		x = put(cb, x + 1, y,
			"[listening sockets only (and a TIME_WAIT one): recorded without --record-sockets]",
			AT_WARN);
	if (u->expr_text[0] != '\0') {
		struct strbuf sb;

		sb_init(&sb);
		esc_text(&sb, u->expr_text, strlen(u->expr_text));
		x = putf(cb, x + 1, y, AT_WARN, "[%s]", sb.buf);
		sb_fini(&sb);
	}
	if (u->filter[0] != '\0' && u->mode != MODE_FILTER) {
		struct strbuf sb;

		sb_init(&sb);
		esc_text(&sb, u->filter, strlen(u->filter));
		x = putf(cb, x + 1, y, AT_WARN, "[filter: %s]", sb.buf);
		sb_fini(&sb);
	}
	if (u->uid >= 0) {
		struct strbuf sb;

		sb_init(&sb);
		esc_text(&sb, u->uname, strlen(u->uname));
		x = putf(cb, x + 1, y, AT_WARN, "[user: %s]", sb.buf);
		sb_fini(&sb);
	}
	if (u->tree_on && u->view == VIEW_PROCESSES)
		x = put(cb, x + 1, y, "[tree]", AT_INFO);
	if (u->msg[0] != '\0')
		put(cb, x + 2, y, u->msg, AT_INFO);
}

/* The colour of a cell is its column's judgement of the model's numbers. */
static uint8_t cell_attr(const struct ui *u, const struct column *c, uint32_t row)
{
	static const uint8_t attr[] = {
		[SEV_NORMAL] = AT_NORMAL, [SEV_GOOD] = AT_GOOD, [SEV_WARN] = AT_WARN,
		[SEV_CRIT] = AT_CRIT,	  [SEV_DIM] = AT_DIM,	[SEV_INFO] = AT_INFO,
	};

	return c->sev != NULL ? attr[c->sev(u->snap, &u->cfg->leak, row)] : AT_NORMAL;
}

/* A column that names ports (as its CSV form gives them by number). */
static void render_table(const struct ui *u, struct cellbuf *cb, struct strbuf *sb)
{
	const struct view_def *vd = view_get(u->view);
	const struct view_state *vs = &u->vs[u->view];
	int x[32], w[32], col[32], n, k, i, ty = ui_table_y(u), rows = ui_table_rows(u);
	int tree = u->tree_on && u->view == VIEW_PROCESSES;

	n = ui_layout_columns(u, x, w, col, 32);
	cellbuf_fill(cb, 0, ty, cb->w, ' ', AT_TITLE);
	for (k = 0; k < n; k++) {
		const struct column *c = &vd->cols[col[k]];
		int tw = (int)strlen(c->title), off = c->right && w[k] > tw ? w[k] - tw : 0;
		int talk = vs->sort_col == VIEW_SORT_TALKERS && c->role == COL_ROLE_TALKER;
		uint8_t a = col[k] == vs->sort_col || talk ? AT_TITLE_SORT : AT_TITLE;

		cellbuf_fill(cb, x[k], ty, w[k], ' ', a);
		cellbuf_text(cb, x[k] + off, ty, c->title, (size_t)tw, w[k] - off, a);
	}
	/* Only the rows on screen are formatted. */
	for (i = 0; i < rows && vs->top + i < (int)u->rows.n; i++) {
		uint32_t row = u->rows.v[vs->top + i];
		int y = ty + 1 + i, sel = vs->top + i == u->cursor;

		for (k = 0; k < n; k++) {
			const struct column *c = &vd->cols[col[k]];
			int tw, off;
			uint8_t a;

			sb_reset(sb);
			if (tree && c->width == 0)
				ui_tree_prefix(u, vs->top + i, sb);
			c->fmt(sb, u->snap, row);
			/* A cut pid list ends in "+N", never in a shorter pid. */
			if (strcmp(c->key, "pids") == 0 && sb->len > (size_t)w[k])
				fmt_list_fit(sb, (size_t)w[k]);
			tw = text_columns(sb->buf, sb->len);
			/* A port name cut short would read as another: the number fits better. */
			if (tw > w[k] && c->role == COL_ROLE_PORT && c->csv != NULL) {
				sb_reset(sb);
				c->csv(sb, u->snap, row);
				tw = text_columns(sb->buf, sb->len);
			}
			off = c->right && w[k] > tw ? w[k] - tw : 0;
			a = sel ? AT_SELECTED : cell_attr(u, c, row);
			cellbuf_text(cb, x[k] + off, y, sb->buf, sb->len, w[k] - off, a);
			/* Cut text says so in its last cell. */
			if (tw > w[k] && w[k] > 1)
				cellbuf_fill(cb, x[k] + w[k] - 1, y, 1, UI_CUT_MARK, a);
		}
		if (sel)
			cellbuf_attr(cb, 0, y, cb->w, AT_SELECTED);
	}
	if (u->rows.n == 0 && rows > 0)
		put(cb, 1, ty + 1,
		    u->filter[0] != '\0' ? "(no row matches the filter)" : "(nothing to show)",
		    AT_DIM);
}

/* The socket count over the window as a sparkline of block characters. */
static void sparkline(struct cellbuf *cb, int x, int y, int w, const uint32_t *v, size_t n,
		      uint8_t attr)
{
	static const uint32_t bars[] = { 0x2581, 0x2582, 0x2583, 0x2584,
					 0x2585, 0x2586, 0x2587, 0x2588 };
	uint32_t lo = UINT32_MAX, hi = 0;
	size_t i, from = n > (size_t)w ? n - (size_t)w : 0;

	for (i = from; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	for (i = from; i < n && x < cb->w; i++, x++) {
		size_t b = hi > lo ? (size_t)(v[i] - lo) * 7 / (hi - lo) : 0;

		cellbuf_fill(cb, x, y, 1, bars[b], attr);
	}
}

/* Above the sockets of a flagged process: why, its socket count over the window, the ETA. */
static void render_detail(const struct ui *u, struct cellbuf *cb, struct strbuf *sb)
{
	int p = ui_detail_proc(u), y = ui_header_lines(u) + 1, x;
	const struct leak_verdict *v;
	const struct proc_rec *pr;
	uint32_t series[512];
	size_t n;

	if (p < 0 || cb->h < 16)
		return;
	v = &u->snap->leak[p];
	pr = &u->snap->procs.v[p];
	sb_reset(sb);
	leak_describe(sb, u->snap, (uint32_t)p);
	x = put(cb, 0, y, v->level == LEAK_CRITICAL ? "CRITICAL " : "WARNING ",
		v->level == LEAK_CRITICAL ? AT_CRIT : AT_WARN);
	cellbuf_text(cb, x, y, sb->buf, sb->len, cb->w - x, AT_VALUE);
	x = put(cb, 0, y + 1, "sockets ", AT_LABEL);
	n = u->hist != NULL ? history_series(u->hist, pr->pid, pr->start, series, 512) : 0;
	if (n > 0) {
		sparkline(cb, x, y + 1, cb->w - x - 24, series, n, AT_INFO);
		putf(cb, x + (int)(n < (size_t)(cb->w - x - 24) ? n : (size_t)(cb->w - x - 24)) + 1,
		     y + 1, AT_DIM, "%u .. %u over %.0fs", series[0], series[n - 1],
		     u->cfg->leak.window);
	}
	sb_reset(sb);
	leak_explain(sb, v);
	cellbuf_text(cb, 0, y + 2, sb->buf, sb->len, cb->w, AT_NORMAL);
}

static void render_footer(const struct ui *u, struct cellbuf *cb)
{
	static const char *const keys[][2] = {
		{ "F1", "Help" }, { "F2", "Setup" }, { "/", "Search" },	   { "\\", "Filter" },
		{ "<>", "Sort" }, { "t", "Tree" },   { "Enter", "Drill" }, { "k", "Kill" },
		{ "z", "Pause" }, { "q", "Quit" },
	};
	static const char *const rkeys[][2] = {
		{ "[]", "Step" },
		{ "t", "Jump" },
		{ "Spc", "Play" },
		{ "+-", "Speed" },
	};
	int y = cb->h - 1, x = 0;
	size_t i;

	if (u->mode == MODE_FILTER || u->mode == MODE_SEARCH || u->mode == MODE_JUMP) {
		struct strbuf sb;
		const char *t = u->mode == MODE_FILTER	 ? u->filter
				: u->mode == MODE_SEARCH ? u->search
							 : u->rp.jump_text;

		sb_init(&sb);
		esc_text(&sb, t, strlen(t));
		x = put(cb, 0, y,
			u->mode == MODE_FILTER ? "Filter: "
			: u->mode == MODE_SEARCH
				? "Search: "
				: "Jump to (02:50, -30m, +10m, 2026-12-04T02:50): ",
			AT_KEY);
		x = put(cb, x, y, sb.buf != NULL ? sb.buf : "", AT_NORMAL);
		put(cb, x, y, "_", AT_SELECTED);
		put(cb, x + 3, y,
		    u->mode == MODE_JUMP ? "Enter: jump  Esc: cancel" : "Enter: keep  Esc: clear",
		    AT_DIM);
		sb_fini(&sb);
		return;
	}
	if (u->mode == MODE_KILL || u->mode == MODE_USER || u->mode == MODE_SETUP) {
		x = put(cb, 0, y, "Enter", AT_KEY);
		x = put(cb, x, y,
			u->mode == MODE_KILL   ? "Send   "
			: u->mode == MODE_USER ? "Pick   "
					       : "Save   ",
			AT_KEYTEXT);
		x = put(cb, x, y, "Esc", AT_KEY);
		x = put(cb, x, y, u->mode == MODE_SETUP ? "Close " : "Cancel ", AT_KEYTEXT);
		cellbuf_fill(cb, x, y, cb->w - x, ' ', AT_KEYTEXT);
		return;
	}
	for (i = 0; u->rp.on && i < sizeof rkeys / sizeof rkeys[0]; i++) {
		x = put(cb, x, y, rkeys[i][0], AT_KEY);
		x = putf(cb, x, y, AT_KEYTEXT, "%s ", rkeys[i][1]);
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (u->rp.on &&
		    (keys[i][0][0] == 't' || keys[i][0][0] == 'k' || keys[i][0][0] == 'z'))
			continue; /* replay keys, or none */
		x = put(cb, x, y, keys[i][0], AT_KEY);
		x = putf(cb, x, y, AT_KEYTEXT, "%s ", keys[i][1]);
	}
	cellbuf_fill(cb, x, y, cb->w - x, ' ', AT_KEYTEXT);
}

static void render_help(const struct ui *u, struct cellbuf *cb)
{
	int y = 0, i, line = 0, top = ui_help_top(u);
	size_t k;

	cellbuf_clear(cb);
	put(cb, 0, y++, "sockwatch help: keys", AT_VALUE);
	y++;
	for (k = 0; k < ui_nkeys && y < cb->h - 2; k++) {
		if (ui_keys[k].name == NULL || line++ < top)
			continue;
		put(cb, 2, y, ui_keys[k].name, AT_INFO);
		put(cb, 14, y, ui_keys[k].help, AT_NORMAL);
		y++;
	}
	if (y < cb->h - 2 && line++ >= top) {
		put(cb, 2, y++, "mouse", AT_INFO);
		put(cb, 14, y - 1,
		    "click a row to select it, a column title to sort by it; the wheel scrolls",
		    AT_NORMAL);
	}
	/* A replay's keys come first there (t jumps; F5 is the tree, k sends nothing). */
	if (y < cb->h - 2 && line++ >= top)
		put(cb, 0, y++, "with --replay (before the keys above):", AT_VALUE);
	for (k = 0; k < ui_nreplay_keys && y < cb->h - 2; k++) {
		if (ui_replay_keys[k].name == NULL || line++ < top)
			continue;
		put(cb, 2, y, ui_replay_keys[k].name, AT_INFO);
		put(cb, 14, y, ui_replay_keys[k].help, AT_NORMAL);
		y++;
	}
	i = cb->h - 1;
	put(cb, 0, i,
	    top + (cb->h - 4) < ui_help_lines()
		    ? "Down: more keys. Esc or ? closes this help."
		    : "Esc or ? closes this help; q quits from the main screen.",
	    AT_DIM);
}

/*
 * A dialog: a frame at x, y of w by h cells (borders included) with title in
 * its top border, its inside cleared, so nothing it covers shows through.
 */
static void panel(struct cellbuf *cb, int x, int y, int w, int h, const char *title)
{
	int i;

	if (w < 4 || h < 3)
		return;
	cellbuf_fill(cb, x, y, 1, 0x250c, AT_INFO);
	cellbuf_fill(cb, x + 1, y, w - 2, 0x2500, AT_INFO);
	cellbuf_fill(cb, x + w - 1, y, 1, 0x2510, AT_INFO);
	cellbuf_text(cb, x + 2, y, title, strlen(title), w - 4, AT_TITLE);
	for (i = 1; i < h - 1; i++) {
		cellbuf_fill(cb, x, y + i, 1, 0x2502, AT_INFO);
		cellbuf_fill(cb, x + 1, y + i, w - 2, ' ', AT_NORMAL);
		cellbuf_fill(cb, x + w - 1, y + i, 1, 0x2502, AT_INFO);
	}
	cellbuf_fill(cb, x, y + h - 1, 1, 0x2514, AT_INFO);
	cellbuf_fill(cb, x + 1, y + h - 1, w - 2, 0x2500, AT_INFO);
	cellbuf_fill(cb, x + w - 1, y + h - 1, 1, 0x2518, AT_INFO);
}

static void render_kill(const struct ui *u, struct cellbuf *cb)
{
	int x = 2, y = ui_table_y(u), w, h, i, rows;
	struct strbuf sb, title;

	sb_init(&sb);
	sb_init(&title);
	esc_text(&sb, u->kill.comm, strlen(u->kill.comm));
	sb_printf(&title, " Send signal to %d (%s) ", u->kill.pid, sb.buf);
	/* As wide as its title (within the screen), as tall as the signals (within the table). */
	w = text_columns(title.buf, title.len) + 4;
	if (w < 24)
		w = 24;
	if (w > cb->w - x)
		w = cb->w - x;
	rows = (int)ui_nsignals;
	if (y + rows + 2 > cb->h - 1)
		rows = cb->h - 1 - y - 2;
	h = rows + 2;
	panel(cb, x, y, w, h, title.buf);
	for (i = 0; i < rows; i++) {
		uint8_t a = i == u->kill.sel ? AT_SELECTED : AT_NORMAL;

		cellbuf_fill(cb, x + 1, y + 1 + i, w - 2, ' ', a);
		putf(cb, x + 2, y + 1 + i, a, "%2d SIG%s", ui_signals[i].sig, ui_signals[i].name);
	}
	sb_fini(&title);
	sb_fini(&sb);
}

/* u: the users to pick from, in a framed panel, the current choice selected. */
static void render_users(const struct ui *u, struct cellbuf *cb)
{
	int x = 2, y = ui_table_y(u), w = 40, h, i, rows, top;
	struct strbuf sb;

	if (w > cb->w - x)
		w = cb->w - x;
	rows = u->nusers;
	if (y + rows + 2 > cb->h - 1)
		rows = cb->h - 1 - y - 2;
	if (rows < 1)
		return;
	h = rows + 2;
	top = u->user_sel >= rows ? u->user_sel - rows + 1 : 0;
	panel(cb, x, y, w, h, " Show the processes of ");
	sb_init(&sb);
	for (i = 0; i < rows && top + i < u->nusers; i++) {
		const struct ui_user *us = &u->users[top + i];
		uint8_t a = top + i == u->user_sel ? AT_SELECTED : AT_NORMAL;

		cellbuf_fill(cb, x + 1, y + 1 + i, w - 2, ' ', a);
		sb_reset(&sb);
		esc_text(&sb, us->name, strlen(us->name));
		sb_printf(&sb, " (%u)", us->procs);
		cellbuf_text(cb, x + 2, y + 1 + i, sb.buf, sb.len, w - 4, a);
	}
	sb_fini(&sb);
}

/* F2: the settings on the left, their values beside; the view's columns below, to pick. */
static void render_setup(const struct ui *u, struct cellbuf *cb)
{
	static const char *const names[] = { "View at start", "Refresh interval", "Colours",
					     "Ports", "Columns of" };
	int x = 1, y = ui_header_lines(u) + 1, w = cb->w - 2, h = cb->h - 1 - y, i, n, rows, top;
	int cols[UI_MAX_COLS], shown, ncols = ui_setup_columns(u, u->setup.cols, cols, &shown);
	const struct view_def *vd = view_get(u->setup.cols);
	struct strbuf sb;

	if (w < 20 || h < 5)
		return;
	panel(cb, x, y, w, h, " Setup ");
	n = SETUP_FIRST_COL + ncols;
	rows = h - 3; /* the frame and the line of keys */
	top = u->setup.sel >= rows ? u->setup.sel - rows + 1 : 0;
	sb_init(&sb);
	for (i = 0; i < rows && top + i < n; i++) {
		int it = top + i, ly = y + 1 + i;
		uint8_t a = it == u->setup.sel ? AT_SELECTED : AT_NORMAL;

		sb_reset(&sb);
		if (it < SETUP_FIRST_COL) {
			sb_printf(&sb, "%-18s ", names[it]);
			if (it == SETUP_VIEW)
				sb_printf(&sb, "< %s >", view_get(u->start_view)->name);
			else if (it == SETUP_DELAY)
				sb_printf(&sb, "< %gs >", u->delay);
			else if (it == SETUP_COLOR)
				sb_printf(&sb, "< %s >", u->no_color ? "off" : "on");
			else if (it == SETUP_NUMERIC)
				sb_printf(&sb, "< %s >", u->numeric ? "numbers" : "names");
			else
				sb_printf(&sb, "< %s >  (sort: < > I in the view)", vd->name);
		} else {
			int k = it - SETUP_FIRST_COL;

			sb_printf(&sb, "  [%c] %s", k < shown ? 'x' : ' ', vd->cols[cols[k]].title);
		}
		cellbuf_fill(cb, x + 1, ly, w - 2, ' ', a);
		cellbuf_text(cb, x + 2, ly, sb.buf, sb.len, w - 4, a);
	}
	sb_reset(&sb);
	sb_puts(&sb, "Left/Right/Space change, Space shows or hides a column, [ ] move it; Enter "
		     "saves to ");
	esc_text(&sb, u->cfg->config_write, strlen(u->cfg->config_write));
	sb_puts(&sb, ", Esc closes");
	cellbuf_text(cb, x + 2, y + h - 2, sb.buf, sb.len, w - 4, AT_NORMAL);
	sb_fini(&sb);
}

void ui_render(const struct ui *u, struct cellbuf *cb)
{
	struct strbuf sb;

	cellbuf_resize(cb, u->w, u->h);
	if (u->mode == MODE_HELP) {
		render_help(u, cb);
		return;
	}
	if (u->snap == NULL) {
		render_early(u, cb);
		return;
	}
	sb_init(&sb);
	render_header(u, cb);
	render_tabs(u, cb);
	render_detail(u, cb, &sb);
	render_table(u, cb, &sb);
	render_footer(u, cb);
	if (u->mode == MODE_KILL)
		render_kill(u, cb);
	if (u->mode == MODE_USER)
		render_users(u, cb);
	if (u->mode == MODE_SETUP)
		render_setup(u, cb);
	sb_fini(&sb);
}
