/* state.c: the TUI's state machine: views, selection, filter, search, drill-down. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sockwatch/expr.h"
#include "sockwatch/present.h"
#include "ui_int.h"

void ui_init(struct ui *u, const struct config *cfg)
{
	int v;

	memset(u, 0, sizeof *u);
	u->cfg = cfg;
	u->view = cfg->view;
	if (cfg->expr != NULL)
		snprintf(u->expr_text, sizeof u->expr_text, "%s", sock_expr_text(cfg->expr));
	for (v = 0; v < VIEW_COUNT; v++) {
		u->vs[v].sort_col = view_get((enum view_id)v)->sort_col;
		u->vs[v].sort_desc = view_get((enum view_id)v)->sort_desc;
	}
	sb_init(&u->scratch);
	u->w = 80;
	u->h = 24;
}

void ui_fini(struct ui *u)
{
	sock_expr_free(u->expr);
	sock_expr_free(u->expr_old);
	row_list_fini(&u->rows);
	sb_fini(&u->scratch);
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
		u->rows.v[n++] = row;
	}
	u->rows.n = n;
	view_sort(u->snap, u->view, &u->rows, vs->sort_col, vs->sort_desc);
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

#define REST_MIN 8 /* the least width of a view's last column, which takes the rest */

int ui_layout_columns(const struct ui *u, int *x, int *w, int *col, int max)
{
	const struct view_def *vd = view_get(u->view);
	int k, pos = 0, n = 0, last = (int)vd->ncols - 1;
	/* The last column takes the rest (COMMAND): fixed columns leave it room. */
	int rest = vd->cols[last].width == 0 ? REST_MIN + 1 : 0;

	for (k = 0; k < (int)vd->ncols && n < max; k++) {
		int cw = vd->cols[k].width, tw = (int)strlen(vd->cols[k].title);

		if (!view_col_shown(u->snap, &vd->cols[k]))
			continue;
		if (cw < tw)
			cw = tw;
		if (vd->cols[k].width == 0) {
			cw = u->w - pos;
			if (cw < REST_MIN && n > 0)
				break;
		} else if (pos + cw + (k < last ? rest : 0) > u->w) {
			if (n > 0 && rest > 0 && k < last) {
				k = last -
				    1; /* drop the fixed columns from here, keep the rest one */
				continue;
			}
			if (n > 0)
				break;
			cw = u->w - pos;
		}
		x[n] = pos;
		w[n] = cw;
		col[n] = k;
		n++;
		pos += cw + 1;
		if (pos >= u->w)
			break;
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
	sock_expr_free(u->expr_old);
	u->expr_old = u->expr;
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
 * N: ports by name or by number. The cells read the setting when they are
 * drawn; the rows are rebuilt, as the text filter and the search match what
 * is shown. The message line says which it is now.
 */
static void toggle_names(struct ui *u)
{
	if (!port_names_available()) {
		port_names_set_numeric(1);
		snprintf(u->msg, sizeof u->msg, "port numbers: no names in %s", PORT_NAMES_PATH);
		return;
	}
	port_names_set_numeric(!port_names_numeric());
	snprintf(u->msg, sizeof u->msg, "%s", port_names_numeric() ? "port numbers" : "port names");
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
	int page = ui_table_rows(u) > 1 ? ui_table_rows(u) - 1 : 1;
	enum ui_action a;

	if (ev->key == UK_RESIZE)
		return 0;
	switch (u->mode) {
	case MODE_HELP:
		if (ev->key == UK_ESC || ev->key == '?' || ev->key == UK_F1 || ev->key == 'q')
			u->mode = MODE_NORMAL;
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
		sort_by(u, u->vs[u->view].sort_col - 1, 0);
		break;
	case ACT_SORT_NEXT:
		sort_by(u, u->vs[u->view].sort_col + 1, 0);
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
		toggle_names(u);
		break;
	case ACT_PAUSE:
		u->paused = !u->paused;
		break;
	case ACT_KILL:
		if (kill_target(u))
			u->mode = MODE_KILL;
		break;
	default:
		break;
	}
	return 0;
}
