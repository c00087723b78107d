/* state.c: the TUI's state machine: views, selection, filter, search, drill-down. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sockwatch/expr.h"
#include "sockwatch/present.h"
#include "ui_int.h"

int ui_default_order(enum view_id v, int *order)
{
	const struct view_def *vd = view_get(v);
	int k, n = 0;

	/* CSV-only columns are never on screen, so never in the order. */
	for (k = 0; k < (int)vd->ncols && n < UI_MAX_COLS; k++) {
		if (view_col_shown(NULL, &vd->cols[k]))
			order[n++] = k;
	}
	return n;
}

void ui_default_columns(struct ui *u, enum view_id v)
{
	u->norder[v] = ui_default_order(v, u->order[v]);
}

void ui_init(struct ui *u, const struct config *cfg)
{
	int v;

	memset(u, 0, sizeof *u);
	u->cfg = cfg;
	u->view = cfg->view;
	if (cfg->expr != NULL)
		snprintf(u->expr_text, sizeof u->expr_text, "%s", sock_expr_text(cfg->expr));
	for (v = 0; v < VIEW_COUNT; v++) {
		const struct view_prefs *vp = &cfg->views[v];
		int k;

		u->vs[v].sort_col = view_get((enum view_id)v)->sort_col;
		u->vs[v].sort_desc = view_get((enum view_id)v)->sort_desc;
		ui_default_columns(u, (enum view_id)v);
		/* The config file's choices (the setup screen's, saved). */
		if (vp->sort_col >= 0 || vp->sort_col == VIEW_SORT_TALKERS)
			u->vs[v].sort_col = vp->sort_col;
		if (vp->sort_desc >= 0)
			u->vs[v].sort_desc = vp->sort_desc;
		for (k = 0; k < vp->ncols && k < UI_MAX_COLS; k++)
			u->order[v][k] = vp->cols[k];
		if (vp->ncols > 0)
			u->norder[v] = k;
	}
	u->start_view = cfg->view;
	u->delay = cfg->delay;
	u->no_color = cfg->no_color;
	u->numeric = cfg->numeric;
	sb_init(&u->scratch);
	u->uid = -1;
	u->w = 80;
	u->h = 24;
}

void ui_fini(struct ui *u)
{
	sock_expr_free(u->expr);
	for (size_t i = 0; i < u->nretired; i++)
		sock_expr_free(u->retired[i]);
	free(u->retired);
	row_list_fini(&u->rows);
	sb_fini(&u->scratch);
	free(u->tree);
	free(u->tree_scratch);
	free(u->users);
}

static struct row_key row_key_of(const struct ui *u, uint32_t row)
{
	return model_row_key(u->snap, view_row_kind(u->view), row);
}

/* The text of a row as the table shows it, for the filter and the search. */
static const char *row_text(struct ui *u, uint32_t row)
{
	const struct view_def *vd = view_get(u->view);
	size_t k;

	sb_reset(&u->scratch);
	for (k = 0; k < vd->ncols; k++) {
		if (!view_col_shown(NULL, &vd->cols[k]))
			continue; /* the same numbers as a screen column's */
		vd->cols[k].fmt(&u->scratch, u->snap, row);
		sb_putc(&u->scratch, ' ');
	}
	return u->scratch.buf;
}

static int row_contains(struct ui *u, uint32_t row, const char *needle)
{
	return strcasestr(row_text(u, row), needle) != NULL;
}

static void keep_visible(struct ui *u)
{
	struct view_state *vs = &u->vs[u->view];
	int n = ui_table_rows(u);

	if (u->cursor >= (int)u->rows.n)
		u->cursor = (int)u->rows.n - 1;
	if (u->cursor < 0)
		u->cursor = 0;
	if (vs->top > u->cursor)
		vs->top = u->cursor;
	if (n > 0 && u->cursor >= vs->top + n)
		vs->top = u->cursor - n + 1;
	if (vs->top > (int)u->rows.n - n)
		vs->top = (int)u->rows.n - n;
	if (vs->top < 0)
		vs->top = 0;
}

static void remember_selection(struct ui *u)
{
	struct view_state *vs = &u->vs[u->view];

	vs->has_sel = u->cursor >= 0 && (size_t)u->cursor < u->rows.n;
	if (vs->has_sel)
		vs->sel = row_key_of(u, u->rows.v[u->cursor]);
}

void ui_rebuild(struct ui *u)
{
	struct view_state *vs = &u->vs[u->view];
	const struct drill *d = u->ndrill > 0 ? &u->drill[u->ndrill - 1] : NULL;
	uint32_t parent = NONE;
	size_t i, n = 0;
	int found = 0;

	if (u->snap == NULL)
		return;
	view_rows(u->snap, &u->cfg->filter, u->view, &u->rows);
	/* The row drilled into, in this snapshot: gone, it has no members. */
	if (d != NULL && u->view != d->to)
		d = NULL;
	if (d != NULL)
		parent = model_row_find(u->snap, d->kind, d->key);
	for (i = 0; i < u->rows.n; i++) {
		uint32_t row = u->rows.v[i];

		if (d != NULL && d->to == VIEW_SOCKETS &&
		    (parent == NONE || !sock_member(u->snap, row, d->kind, parent)))
			continue;
		if (d != NULL && d->to == VIEW_PROCESSES &&
		    (parent == NONE || proc_service(u->snap, row) != parent))
			continue;
		if (u->filter[0] != '\0' && !row_contains(u, row, u->filter))
			continue;
		if (u->uid >= 0 && u->view == VIEW_PROCESSES && u->snap->procs.v[row].uid != u->uid)
			continue;
		u->rows.v[n++] = row;
	}
	u->rows.n = n;
	view_sort(u->snap, u->view, &u->rows, vs->sort_col, vs->sort_desc);
	if (u->tree_on && u->view == VIEW_PROCESSES)
		ui_tree_order(u);
	if (vs->has_sel) {
		for (i = 0; i < u->rows.n; i++) {
			struct row_key k = row_key_of(u, u->rows.v[i]);

			if (k.a == vs->sel.a && k.b == vs->sel.b) {
				u->cursor = (int)i;
				found = 1;
				break;
			}
		}
	}
	if (!found && u->cursor >= (int)u->rows.n)
		u->cursor = (int)u->rows.n - 1;
	keep_visible(u);
	if (!found)
		remember_selection(u);
}

int ui_detail_proc(const struct ui *u)
{
	const struct drill *d;
	uint32_t p;

	if (u->view != VIEW_SOCKETS || u->ndrill == 0 || u->snap->leak == NULL)
		return -1;
	d = &u->drill[u->ndrill - 1];
	if (d->kind != ROW_PROC)
		return -1;
	p = model_row_find(u->snap, ROW_PROC, d->key);
	return p != NONE && u->snap->leak[p].level != LEAK_OK ? (int)p : -1;
}

int ui_help_lines(void)
{
	size_t k;
	int n = 2; /* the mouse, and the replay's heading */

	for (k = 0; k < ui_nkeys; k++)
		n += ui_keys[k].name != NULL;
	for (k = 0; k < ui_nreplay_keys; k++)
		n += ui_replay_keys[k].name != NULL;
	return n;
}

int ui_help_top(const struct ui *u)
{
	int max = ui_help_lines() - (u->h - 4);

	return u->help_top > max ? (max > 0 ? max : 0) : u->help_top < 0 ? 0 : u->help_top;
}

int ui_header_lines(const struct ui *u)
{
	return u->h >= 14 ? 3 : u->h >= 11 ? 2 : 1;
}

int ui_table_y(const struct ui *u)
{
	/* A drilled-into flagged process gets its leak detail above the table. */
	int detail = u->h >= 16 && ui_detail_proc(u) >= 0 ? UI_DETAIL_LINES : 0;

	return ui_header_lines(u) + 1 + detail;
}

int ui_table_rows(const struct ui *u)
{
	int n = u->h - ui_table_y(u) - 2;

	return n > 0 ? n : 0;
}

/*
 * Which columns stay when the terminal is narrow. Each view lists its column
 * keys from the most to the least important; the first UI_KEEP of them are
 * always laid out (they identify the row: a process is its PID, COMMAND and
 * LEAK), the others only while the column that takes the rest (COMMAND) keeps
 * REST_WANT cells. A column a list does not name comes last. What is laid out
 * keeps the view's (or the setup screen's) order.
 */
#define REST_MIN  8  /* the least width of the column that takes the rest */
#define REST_WANT 16 /* what it keeps before a less important column is added */
#define UI_KEEP	  3

static const char *const prio_procs[] = {
	"pid",
	"command",
	"leak",
	"close_wait",
	"established",
	"sockets",
	"fds",
	"fd_pct",
	"state",
	"dead",
	"tcp",
	"fd_limit",
	"service",
	"rx_bytes_per_second",
	"tx_bytes_per_second",
	"user",
	"udp",
	"unix",
	"retransmits_per_second",
	"rtt_median_seconds",
	"netns",
	NULL,
};
static const char *const prio_listen[] = {
	"local",
	"queue",
	"pids",
	"connections",
	"command",
	"proto",
	"rx_bytes_per_second",
	"tx_bytes_per_second",
	"retransmits_per_second",
	"rtt_median_seconds",
	"netns",
	NULL,
};
static const char *const prio_ports[] = {
	"port",
	"established",
	"close_wait",
	"pids",
	"time_wait",
	"proto",
	"direction",
	"syn_recv",
	"syn_sent",
	"peers",
	"rx_bytes_per_second",
	"tx_bytes_per_second",
	"fin_wait1",
	"fin_wait2",
	"last_ack",
	"closing",
	"retransmits_per_second",
	"rtt_median_seconds",
	"netns",
	NULL,
};
static const char *const prio_socks[] = {
	"state",
	"local",
	"remote",
	"pids",
	"command",
	"proto",
	"age",
	"recv_q",
	"send_q",
	"rx_bytes_per_second",
	"tx_bytes_per_second",
	"retransmits_per_second",
	"rtt_seconds",
	"netns",
	NULL,
};
static const char *const prio_services[] = {
	"service",
	"leak",
	"sockets",
	"close_wait",
	"established",
	"processes",
	"fds",
	"dead",
	"tcp",
	"kind",
	"rx_bytes_per_second",
	"tx_bytes_per_second",
	"udp",
	"unix",
	"retransmits_per_second",
	"rtt_median_seconds",
	NULL,
};
static const char *const *const prio_of[VIEW_COUNT] = {
	[VIEW_PROCESSES] = prio_procs, [VIEW_LISTEN] = prio_listen,	[VIEW_PORTS] = prio_ports,
	[VIEW_SOCKETS] = prio_socks,   [VIEW_SERVICES] = prio_services,
};

const char *const *ui_column_priority(enum view_id v)
{
	return prio_of[v];
}

/* Column c's rank in its view's list (0 the most important). */
static int col_rank(enum view_id v, const struct column *c)
{
	const char *const *p = prio_of[v];
	int i;

	for (i = 0; p[i] != NULL; i++) {
		if (strcmp(p[i], c->key) == 0)
			return i;
	}
	return i;
}

static int col_width(const struct column *c)
{
	int tw = (int)strlen(c->title);

	return c->width == 0 ? REST_MIN : c->width < tw ? tw : c->width;
}

int ui_layout_columns(const struct ui *u, int *x, int *w, int *col, int max)
{
	const struct view_def *vd = view_get(u->view);
	int cand[UI_MAX_COLS], rank[UI_MAX_COLS], take[UI_MAX_COLS] = { 0 };
	int k, j, nc = 0, n = 0, used = 0, rest = -1, pos = 0, last = 0;

	/* The columns the user chose, in their order, that say something here. */
	for (k = 0; k < u->norder[u->view] && nc < UI_MAX_COLS; k++) {
		const struct column *c = &vd->cols[u->order[u->view][k]];

		if (!view_col_shown(u->snap, c))
			continue;
		rank[nc] = col_rank(u->view, c);
		last = rank[nc] > last ? rank[nc] : last;
		if (c->width == 0) {
			rest = nc;
			take[nc] = 1;
			used = REST_MIN;
		}
		cand[nc++] = u->order[u->view][k];
	}
	/* Most important first: the kept ones always, the others while they fit. */
	for (j = 0; j <= last; j++) {
		for (k = 0; k < nc; k++) {
			int cw = col_width(&vd->cols[cand[k]]) + (used > 0);
			int room = u->w - used - (rest >= 0 ? REST_WANT - REST_MIN : 0);

			if (rank[k] != j || take[k])
				continue;
			if (j < UI_KEEP || cw <= room) {
				take[k] = 1;
				used += cw;
			}
		}
	}
	for (k = 0; k < nc && n < max && pos < u->w; k++) {
		const struct column *c = &vd->cols[cand[k]];
		int cw = col_width(c);

		if (!take[k])
			continue;
		if (k == rest)
			cw = u->w - used + cw; /* the rest: what the others leave */
		if (pos + cw > u->w)
			cw = u->w - pos;
		x[n] = pos;
		w[n] = cw;
		col[n] = cand[k];
		n++;
		pos += cw + 1;
	}
	return n;
}

static void set_view(struct ui *u, enum view_id v)
{
	if (u->ndrill > 0) {
		/* Leaving the drill-downs: back to the first view's own filter. */
		snprintf(u->filter, sizeof u->filter, "%s", u->drill[0].saved_filter);
		u->ndrill = 0;
	}
	remember_selection(u);
	u->view = v;
	u->cursor = 0;
	ui_rebuild(u);
}

static void drill_down(struct ui *u)
{
	const struct snapshot *s = u->snap;
	struct drill *d;
	uint32_t row;
	struct strbuf sb;

	if (u->cursor < 0 || (size_t)u->cursor >= u->rows.n || u->view == VIEW_SOCKETS)
		return;
	/* A drill-down's processes of a service lead on to a process's sockets. */
	if (u->ndrill == UI_MAX_DRILL)
		return;
	remember_selection(u);
	row = u->rows.v[u->cursor];
	d = &u->drill[u->ndrill];
	memset(d, 0, sizeof *d);
	d->from = u->view;
	d->to = u->view == VIEW_SERVICES ? VIEW_PROCESSES : VIEW_SOCKETS;
	d->kind = view_row_kind(u->view);
	d->key = model_row_key(s, d->kind, row);
	snprintf(d->saved_filter, sizeof d->saved_filter, "%s", u->filter);
	sb_init(&sb);
	if (u->view == VIEW_PROCESSES) {
		const struct proc_rec *p = &s->procs.v[row];

		sb_printf(&sb, "sockets of pid %d (", p->pid);
		esc_text(&sb, p->comm, strlen(p->comm));
		sb_putc(&sb, ')');
	} else if (u->view == VIEW_PORTS) {
		const struct port_row *pr = &s->ports[row];

		sb_puts(&sb, "sockets on port ");
		fmt_port(&sb, pr->proto, pr->port);
		sb_printf(&sb, "/%s %s", sock_proto_name(pr->proto),
			  pr->dir == PORT_IN ? "in" : "out");
	} else if (u->view == VIEW_SERVICES) {
		size_t len;
		const char *name = service_name(s, row, &len);

		sb_puts(&sb, "processes of ");
		esc_text(&sb, name, len);
	} else {
		sb_puts(&sb, "sockets of listener ");
		fmt_sock_endpoint(&sb, s, &s->socks.v[s->listeners[row].sock], 1);
	}
	snprintf(d->label, sizeof d->label, "%s", sb.buf);
	sb_fini(&sb);
	u->ndrill++;
	u->filter[0] = '\0';
	u->view = d->to;
	u->vs[d->to].has_sel = 0;
	u->vs[d->to].top = 0;
	u->cursor = 0;
	ui_rebuild(u);
}

const struct sock_expr *ui_expr(const struct ui *u)
{
	if (u->expr != NULL)
		return u->expr;
	return u->expr_off ? NULL : u->cfg->expr;
}

/* Put e (NULL: none) in force from the next refresh on. */
static void set_expr(struct ui *u, struct sock_expr *e)
{
	if (u->expr != NULL) {
		u->retired = xgrow(u->retired, &u->retiredcap, u->nretired + 1, sizeof *u->retired);
		u->retired[u->nretired++] = u->expr;
	}
	u->expr = e;
	u->expr_off = e == NULL;
	snprintf(u->expr_text, sizeof u->expr_text, "%s", e != NULL ? sock_expr_text(e) : "");
	u->expr_changed = 1;
}

/*
 * Enter on the filter prompt: text that parses as an expression narrows
 * what is collected (as the command line's FILTER does); other text stays a
 * filter on the rows' text. The message line says which it became.
 */
static void commit_filter(struct ui *u)
{
	struct sock_expr *e;
	struct strbuf err;

	if (u->filter[0] == '\0')
		return;
	sb_init(&err);
	e = sock_expr_parse_str(u->filter, &err);
	if (e != NULL) {
		set_expr(u, e);
		u->filter[0] = '\0';
		snprintf(u->msg, sizeof u->msg, "filter expression: %.120s (Esc drops it)",
			 u->expr_text);
		ui_rebuild(u);
	} else {
		const char *why = err.buf != NULL ? err.buf : "";

		if (strncmp(why, "expression: ", 12) == 0)
			why += 12;
		snprintf(u->msg, sizeof u->msg, "text filter; not an expression (%.120s)", why);
	}
	sb_fini(&err);
}

/* Esc / Backspace: leave a drill-down first, then clear the filter, then the expression. */
static void go_back(struct ui *u)
{
	if (u->ndrill > 0) {
		struct drill *d = &u->drill[--u->ndrill];

		remember_selection(u);
		u->view = d->from;
		snprintf(u->filter, sizeof u->filter, "%s", d->saved_filter);
		ui_rebuild(u);
		return;
	}
	if (u->filter[0] != '\0') {
		u->filter[0] = '\0';
		ui_rebuild(u);
		return;
	}
	if (u->uid >= 0) {
		u->uid = -1;
		ui_rebuild(u);
		return;
	}
	if (ui_expr(u) != NULL) {
		snprintf(u->msg, sizeof u->msg, "filter expression dropped: %.120s", u->expr_text);
		set_expr(u, NULL);
	}
}

static void move_cursor(struct ui *u, int to)
{
	u->cursor = to;
	keep_visible(u);
	remember_selection(u);
}

/* Find the next row (from `from`, wrapping) whose text holds the search. */
static void search_from(struct ui *u, int from)
{
	size_t i, n = u->rows.n;

	if (u->search[0] == '\0' || n == 0)
		return;
	for (i = 0; i < n; i++) {
		size_t r = ((size_t)from + i) % n;

		if (row_contains(u, u->rows.v[r], u->search)) {
			move_cursor(u, (int)r);
			u->msg[0] = '\0';
			return;
		}
	}
	snprintf(u->msg, sizeof u->msg, "not found: %s", u->search);
}

static void sort_by(struct ui *u, int col, int toggle)
{
	const struct view_def *vd = view_get(u->view);
	struct view_state *vs = &u->vs[u->view];

	if (col < 0)
		col = (int)vd->ncols - 1;
	if (col >= (int)vd->ncols)
		col = 0;
	if (toggle && col == vs->sort_col)
		vs->sort_desc = !vs->sort_desc;
	else if (col != vs->sort_col)
		vs->sort_desc = vd->cols[col].right; /* numbers: largest first */
	vs->sort_col = col;
	remember_selection(u);
	ui_rebuild(u);
}

/*
 * Sort by the column shown next to the sort column (dir 1: right, -1: left),
 * around the ends: a column not on screen (CSV only, or hidden as the same on
 * every row) would sort by something nobody sees.
 */
static void sort_step(struct ui *u, int dir)
{
	const struct view_def *vd = view_get(u->view);
	int col = u->vs[u->view].sort_col, n = (int)vd->ncols, i;

	if (col < 0 || col >= n)
		col = dir > 0 ? -1 : n;
	for (i = 0; i < n; i++) {
		col = (col + dir + n) % n;
		if (view_col_shown(u->snap, &vd->cols[col]))
			break;
	}
	sort_by(u, col, 0);
}

/*
 * N (and the setup screen): ports by name or by number. The cells read the
 * setting when they are drawn; the rows are rebuilt, as the text filter and
 * the search match what is shown. The message line says which it is now.
 * Without names to show, the choice is kept (the setup screen saves it) and
 * the message says why numbers stay.
 */
void ui_toggle_names(struct ui *u)
{
	u->numeric = !u->numeric;
	if (!port_names_available()) {
		port_names_set_numeric(1);
		snprintf(u->msg, sizeof u->msg, "port numbers: no names in %s", PORT_NAMES_PATH);
		return;
	}
	port_names_set_numeric(u->numeric);
	snprintf(u->msg, sizeof u->msg, "%s", u->numeric ? "port numbers" : "port names");
	remember_selection(u);
	ui_rebuild(u);
}

/* The process a kill would go to: the selected process, or the selected socket's owner. */
static int kill_target(struct ui *u)
{
	const struct snapshot *s = u->snap;
	const struct proc_rec *p;
	uint32_t row, proc = NONE;

	if (u->cursor < 0 || (size_t)u->cursor >= u->rows.n)
		return 0;
	row = u->rows.v[u->cursor];
	switch (u->view) {
	case VIEW_PROCESSES:
		proc = row;
		break;
	case VIEW_LISTEN:
		proc = sock_owner(s, s->listeners[row].sock);
		break;
	case VIEW_SOCKETS:
		proc = sock_owner(s, row);
		break;
	default:
		break;
	}
	if (proc == NONE) {
		snprintf(u->msg, sizeof u->msg, "no process to signal here");
		return 0;
	}
	p = &s->procs.v[proc];
	u->kill.pid = p->pid;
	u->kill.start = p->start;
	memcpy(u->kill.comm, p->comm, sizeof u->kill.comm);
	u->kill.sel = 0;
	return 1;
}

/* Backspace drops the last character; a printable key is appended when it fits whole. */
static void edit_line(char *buf, size_t size, uint32_t key)
{
	size_t len = strlen(buf), n;
	char u[4];

	if (key == UK_BACKSPACE || key == 8) {
		/* Drop a whole UTF-8 character. */
		while (len > 0 && ((unsigned char)buf[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		buf[len] = '\0';
		return;
	}
	if (key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0))
		return;
	n = utf8_encode(key, u); /* 0 for the function keys, all above U+10FFFF */
	if (n == 0 || len + n >= size)
		return;
	memcpy(buf + len, u, n);
	buf[len + n] = '\0';
}

/* A key while the filter or search prompt is open. */
static void edit_prompt(struct ui *u, uint32_t key)
{
	int filter = u->mode == MODE_FILTER;
	char *buf = filter ? u->filter : u->search;
	size_t size = filter ? sizeof u->filter : sizeof u->search;

	if (key == UK_ENTER || key == '\r') {
		u->mode = MODE_NORMAL;
		if (filter)
			commit_filter(u);
		return;
	}
	if (key == UK_ESC) {
		buf[0] = '\0';
		u->mode = MODE_NORMAL;
	} else if (!filter && key == UK_F3) {
		search_from(u, u->cursor + 1);
		return;
	} else {
		edit_line(buf, size, key);
	}
	if (filter)
		ui_rebuild(u);
	else
		search_from(u, u->cursor);
}

static void handle_mouse(struct ui *u, int mx, int my)
{
	int x[32], w[32], col[32], n, k, ty = ui_table_y(u);

	if (my == ty) {
		n = ui_layout_columns(u, x, w, col, 32);
		for (k = 0; k < n; k++) {
			if (mx >= x[k] && mx < x[k] + w[k] + 1) {
				sort_by(u, col[k], 1);
				return;
			}
		}
		return;
	}
	if (my > ty && my < ty + 1 + ui_table_rows(u)) {
		int row = u->vs[u->view].top + (my - ty - 1);

		if (row < (int)u->rows.n)
			move_cursor(u, row);
	}
}

static int cmp_user(const void *a, const void *b)
{
	const struct ui_user *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* u: the users of the processes in this snapshot, by name, with "all users" first. */
static void open_user_picker(struct ui *u)
{
	const struct snapshot *s = u->snap;
	size_t i;
	int k;

	if (s == NULL)
		return;
	if (u->users == NULL)
		u->users = xcalloc(UI_MAX_USERS, sizeof *u->users);
	u->users[0].uid = -1;
	snprintf(u->users[0].name, sizeof u->users[0].name, "%s", "(all users)");
	u->users[0].procs = 0;
	u->nusers = 1;
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_rec *p = &s->procs.v[i];
		size_t len;
		const char *name;

		if (!s->pstats[i].shown)
			continue;
		u->users[0].procs++;
		for (k = 1; k < u->nusers && u->users[k].uid != p->uid; k++)
			;
		if (k == u->nusers) {
			if (u->nusers == UI_MAX_USERS)
				continue;
			u->users[k].uid = p->uid;
			u->users[k].procs = 0;
			name = strpool_get(&s->procs.strs, p->user, &len);
			if (len > 0)
				snprintf(u->users[k].name, sizeof u->users[k].name, "%.*s",
					 (int)len, name);
			else if (p->uid >= 0)
				snprintf(u->users[k].name, sizeof u->users[k].name, "%lld",
					 (long long)p->uid);
			else
				snprintf(u->users[k].name, sizeof u->users[k].name, "?");
			u->nusers++;
		}
		u->users[k].procs++;
	}
	qsort(u->users + 1, (size_t)u->nusers - 1, sizeof *u->users, cmp_user);
	u->user_sel = 0;
	for (k = 0; k < u->nusers; k++) {
		if (u->users[k].uid == u->uid)
			u->user_sel = k;
	}
	u->user_top = 0;
	u->mode = MODE_USER;
}

/* The picker's keys: move, a letter jumps to the next name it starts, Enter chooses. */
static void user_picker_key(struct ui *u, uint32_t key)
{
	int k, n = u->nusers;

	if (key == UK_UP && u->user_sel > 0)
		u->user_sel--;
	else if (key == UK_DOWN && u->user_sel + 1 < n)
		u->user_sel++;
	else if (key == UK_HOME || key == UK_PGUP)
		u->user_sel = 0;
	else if (key == UK_END || key == UK_PGDN)
		u->user_sel = n - 1;
	else if (key == UK_ESC || key == 'q')
		u->mode = MODE_NORMAL;
	else if (key == UK_ENTER || key == '\r') {
		const struct ui_user *us = &u->users[u->user_sel];

		u->mode = MODE_NORMAL;
		u->uid = us->uid;
		snprintf(u->uname, sizeof u->uname, "%s", us->uid >= 0 ? us->name : "");
		if (u->view != VIEW_PROCESSES)
			set_view(u, VIEW_PROCESSES);
		u->vs[u->view].top = 0;
		ui_rebuild(u);
	} else if (key > ' ' && key < 0x7f) {
		for (k = 1; k <= n; k++) {
			int at = (u->user_sel + k) % n;

			if (at > 0 && u->users[at].name[0] == (char)key) {
				u->user_sel = at;
				break;
			}
		}
	}
}

const int ui_replay_speeds[UI_REPLAY_SPEEDS] = { 1, 10, 60 };

/*
 * A replay's own keys: [ and ] step a record, t asks for a time, Space and z
 * play and pause, + and - change the speed; k sends no signal to a recorded
 * pid. UI_REPLAY when the key asks the loop to move (or play), 1 when it was
 * one of them all the same, 0 when it is not.
 */
static int replay_key(struct ui *u, uint32_t key)
{
	struct ui_replay *rp = &u->rp;

	if (key == 'k' || key == UK_F9) {
		snprintf(u->msg, sizeof u->msg, "%s",
			 "a replay sends no signals: its processes are gone");
		return 1;
	}
	switch (ui_replay_key_action(key)) {
	case ACT_REPLAY_BACK:
	case ACT_REPLAY_FORWARD:
		rp->step = key == '[' ? -1 : 1;
		rp->playing = 0;
		return UI_REPLAY;
	case ACT_REPLAY_JUMP:
		rp->jump_text[0] = '\0';
		u->mode = MODE_JUMP;
		u->msg[0] = '\0';
		return 1;
	case ACT_REPLAY_PLAY:
		rp->playing = !rp->playing;
		return UI_REPLAY;
	case ACT_REPLAY_FASTER:
	case ACT_REPLAY_SLOWER:
		rp->speed += ui_replay_key_action(key) == ACT_REPLAY_SLOWER ? -1 : 1;
		if (rp->speed < 0)
			rp->speed = 0;
		if (rp->speed >= UI_REPLAY_SPEEDS)
			rp->speed = UI_REPLAY_SPEEDS - 1;
		snprintf(u->msg, sizeof u->msg, "replay at %dx", ui_replay_speeds[rp->speed]);
		return UI_REPLAY;
	default:
		return 0;
	}
}

static int handle_event(struct ui *u, const struct ui_event *ev);

int ui_handle(struct ui *u, const struct ui_event *ev)
{
	int rc = handle_event(u, ev);

	if (u->expr_changed) {
		u->expr_changed = 0;
		if (rc == 0)
			rc = UI_EXPR;
	}
	return rc;
}

static int handle_event(struct ui *u, const struct ui_event *ev)
{
	int page = ui_table_rows(u) > 1 ? ui_table_rows(u) - 1 : 1, rk;
	enum ui_action a;

	if (ev->key == UK_RESIZE)
		return 0;
	/* Before the first refresh is in (it is collected apart), only quitting acts. */
	if (u->snap == NULL) {
		if (ui_key_action(ev->key) == ACT_QUIT)
			u->quit = 1;
		return 0;
	}
	switch (u->mode) {
	case MODE_HELP:
		if (ev->key == UK_ESC || ev->key == '?' || ev->key == UK_F1 || ev->key == 'q')
			u->mode = MODE_NORMAL;
		else if (ev->key == UK_DOWN || ev->key == UK_UP)
			u->help_top = ui_help_top(u) + (ev->key == UK_DOWN ? 1 : -1);
		else if (ev->key == UK_PGDN || ev->key == UK_END)
			u->help_top = ui_help_lines();
		else if (ev->key == UK_PGUP || ev->key == UK_HOME)
			u->help_top = 0;
		u->help_top = ui_help_top(u);
		return 0;
	case MODE_KILL:
		if (ev->key == UK_UP && u->kill.sel > 0)
			u->kill.sel--;
		else if (ev->key == UK_DOWN && u->kill.sel + 1 < (int)ui_nsignals)
			u->kill.sel++;
		else if (ev->key == UK_ESC || ev->key == 'q')
			u->mode = MODE_NORMAL;
		else if (ev->key == UK_ENTER || ev->key == '\r') {
			u->mode = MODE_NORMAL;
			return 1;
		}
		return 0;
	case MODE_USER:
		user_picker_key(u, ev->key);
		return 0;
	case MODE_SETUP:
		ui_setup_key(u, ev->key);
		return 0;
	case MODE_JUMP:
		if (ev->key == UK_ENTER || ev->key == '\r') {
			u->mode = MODE_NORMAL;
			u->rp.jump = u->rp.jump_text[0] != '\0';
			return u->rp.jump ? UI_REPLAY : 0;
		}
		if (ev->key == UK_ESC)
			u->mode = MODE_NORMAL;
		else
			edit_line(u->rp.jump_text, sizeof u->rp.jump_text, ev->key);
		return 0;
	case MODE_FILTER:
	case MODE_SEARCH:
		if (ev->key == UK_UP || ev->key == UK_DOWN) {
			u->mode = MODE_NORMAL; /* and move, below */
			break;
		}
		edit_prompt(u, ev->key);
		return 0;
	default:
		break;
	}
	if (ev->key == UK_MOUSE) {
		handle_mouse(u, ev->x, ev->y);
		return 0;
	}
	/* The wheel moves the selection three rows, as in htop. */
	if (ev->key == UK_WHEEL_UP || ev->key == UK_WHEEL_DOWN) {
		int to = u->cursor + (ev->key == UK_WHEEL_UP ? -3 : 3);

		move_cursor(u, to < 0 ? 0 : to >= (int)u->rows.n ? (int)u->rows.n - 1 : to);
		return 0;
	}
	if (u->rp.on && (rk = replay_key(u, ev->key)) != 0)
		return rk == UI_REPLAY ? UI_REPLAY : 0;
	a = ui_key_action(ev->key);
	if (a != ACT_NONE && a != ACT_REDRAW)
		u->msg[0] = '\0';
	switch (a) {
	case ACT_QUIT:
		u->quit = 1;
		break;
	case ACT_HELP:
		u->mode = MODE_HELP;
		break;
	case ACT_VIEW1:
	case ACT_VIEW2:
	case ACT_VIEW3:
	case ACT_VIEW4:
	case ACT_VIEW5:
		set_view(u, (enum view_id)(a - ACT_VIEW1));
		break;
	case ACT_GROUP_SERVICE:
		set_view(u, u->view == VIEW_SERVICES ? VIEW_PROCESSES : VIEW_SERVICES);
		break;
	case ACT_NEXT_VIEW:
		set_view(u, (enum view_id)((u->view + 1) % VIEW_COUNT));
		break;
	case ACT_PREV_VIEW:
		set_view(u, (enum view_id)((u->view + VIEW_COUNT - 1) % VIEW_COUNT));
		break;
	case ACT_UP:
		move_cursor(u, u->cursor - 1);
		break;
	case ACT_DOWN:
		move_cursor(u, u->cursor + 1);
		break;
	case ACT_PGUP:
		move_cursor(u, u->cursor - page);
		break;
	case ACT_PGDN:
		move_cursor(u, u->cursor + page);
		break;
	case ACT_HOME:
		move_cursor(u, 0);
		break;
	case ACT_END:
		move_cursor(u, (int)u->rows.n - 1);
		break;
	case ACT_ENTER:
		drill_down(u);
		break;
	case ACT_BACK:
		go_back(u);
		break;
	case ACT_SEARCH:
		u->search[0] = '\0';
		u->mode = MODE_SEARCH;
		break;
	case ACT_SEARCH_NEXT:
		search_from(u, u->cursor + 1);
		break;
	case ACT_FILTER:
		u->mode = MODE_FILTER;
		break;
	case ACT_SORT_PREV:
		sort_step(u, -1);
		break;
	case ACT_SORT_NEXT:
		sort_step(u, 1);
		break;
	case ACT_SORT_INVERT:
		u->vs[u->view].sort_desc = !u->vs[u->view].sort_desc;
		remember_selection(u);
		ui_rebuild(u);
		break;
	case ACT_SORT_LEAK: {
		const struct view_def *vd = view_get(VIEW_PROCESSES);
		size_t k;

		if (u->view != VIEW_PROCESSES)
			set_view(u, VIEW_PROCESSES);
		for (k = 0; k < vd->ncols; k++) {
			if (strcmp(vd->cols[k].key, "leak") == 0) {
				u->vs[VIEW_PROCESSES].sort_col = (int)k;
				u->vs[VIEW_PROCESSES].sort_desc = 1;
			}
		}
		/* On the worst leaker, the first row, not the process it was on. */
		u->vs[VIEW_PROCESSES].has_sel = 0;
		u->vs[VIEW_PROCESSES].top = 0;
		u->cursor = 0;
		ui_rebuild(u);
		break;
	}
	case ACT_SORT_TALKERS:
		u->vs[u->view].sort_col = VIEW_SORT_TALKERS;
		u->vs[u->view].sort_desc = 1;
		u->vs[u->view].has_sel = 0;
		u->vs[u->view].top = 0;
		u->cursor = 0;
		ui_rebuild(u);
		break;
	case ACT_NAMES:
		ui_toggle_names(u);
		break;
	case ACT_PAUSE:
		u->paused = !u->paused;
		break;
	case ACT_KILL:
		if (kill_target(u))
			u->mode = MODE_KILL;
		break;
	case ACT_TREE:
		/* A tree of processes: from another view, t comes back to them. */
		u->tree_on = u->view != VIEW_PROCESSES || !u->tree_on;
		if (u->view != VIEW_PROCESSES)
			set_view(u, VIEW_PROCESSES);
		snprintf(u->msg, sizeof u->msg, "%s",
			 u->tree_on ? "tree: processes under their parents" : "tree off");
		ui_rebuild(u);
		break;
	case ACT_USER:
		open_user_picker(u);
		break;
	case ACT_SETUP:
		ui_setup_open(u);
		break;
	default:
		break;
	}
	return 0;
}
