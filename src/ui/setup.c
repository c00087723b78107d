/*
 * setup.c: the setup screen (F2). It changes this run's settings as the keys
 * are pressed (the columns, the interval, the colours) and, on Enter, writes
 * them to the config file with the view a start opens on and each view's sort
 * (as chosen with < > I); sockwatch reads them back at the next start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

const double ui_delays[] = { 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60 };
const size_t ui_ndelays = sizeof ui_delays / sizeof ui_delays[0];

int ui_setup_columns(const struct ui *u, enum view_id v, int *cols, int *shown)
{
	const struct view_def *vd = view_get(v);
	int n = 0, k, j;

	for (k = 0; k < u->norder[v]; k++)
		cols[n++] = u->order[v][k];
	*shown = n;
	for (k = 0; k < (int)vd->ncols && n < UI_MAX_COLS; k++) {
		for (j = 0; j < u->norder[v] && u->order[v][j] != k; j++)
			;
		if (j == u->norder[v] && view_col_shown(NULL, &vd->cols[k]))
			cols[n++] = k;
	}
	return n;
}

void ui_setup_open(struct ui *u)
{
	memset(&u->setup, 0, sizeof u->setup);
	u->setup.cols = u->view;
	u->mode = MODE_SETUP;
}

static int setup_items(const struct ui *u)
{
	int cols[UI_MAX_COLS], shown;

	return SETUP_FIRST_COL + ui_setup_columns(u, u->setup.cols, cols, &shown);
}

static void step_delay(struct ui *u, int dir)
{
	size_t i;

	if (dir > 0) {
		for (i = 0; i < ui_ndelays && ui_delays[i] <= u->delay; i++)
			;
		if (i < ui_ndelays)
			u->delay = ui_delays[i];
	} else {
		for (i = ui_ndelays; i-- > 0 && ui_delays[i] >= u->delay;)
			;
		if (i < ui_ndelays)
			u->delay = ui_delays[i];
	}
}

/* Space on a column: a shown one is hidden (never the last one), a hidden one shown last. */
static void toggle_column(struct ui *u, int at)
{
	enum view_id v = u->setup.cols;
	int cols[UI_MAX_COLS], shown, n = ui_setup_columns(u, v, cols, &shown), k;

	if (at < 0 || at >= n)
		return;
	if (at < shown) {
		if (shown == 1)
			return;
		for (k = at; k + 1 < u->norder[v]; k++)
			u->order[v][k] = u->order[v][k + 1];
		u->norder[v]--;
		/* The sort column hidden: the view sorts by its default again. */
		if (u->vs[v].sort_col == cols[at]) {
			u->vs[v].sort_col = view_get(v)->sort_col;
			u->vs[v].sort_desc = view_get(v)->sort_desc;
		}
		u->setup.sel = SETUP_FIRST_COL + shown - 1;
	} else if (u->norder[v] < UI_MAX_COLS) {
		u->order[v][u->norder[v]++] = cols[at];
		u->setup.sel = SETUP_FIRST_COL + shown;
	}
}

/* [ or ]: a shown column one place earlier or later. */
static void move_column(struct ui *u, int at, int dir)
{
	enum view_id v = u->setup.cols;
	int to = at + dir, x;

	if (at < 0 || at >= u->norder[v] || to < 0 || to >= u->norder[v])
		return;
	x = u->order[v][at];
	u->order[v][at] = u->order[v][to];
	u->order[v][to] = x;
	u->setup.sel += dir;
}

/* Enter: what the screen shows into the config file. */
static void setup_save(struct ui *u)
{
	struct config *c = xcalloc(1, sizeof *c);
	char *cause = NULL;
	int v, k;

	*c = *u->cfg;
	c->view = u->start_view;
	c->delay = u->delay;
	c->no_color = u->no_color;
	c->numeric = u->numeric;
	for (v = 0; v < VIEW_COUNT; v++) {
		const struct view_def *vd = view_get((enum view_id)v);
		struct view_prefs *vp = &c->views[v];
		int def[UI_MAX_COLS], ndef = ui_default_order((enum view_id)v, def);
		int same = ndef == u->norder[v] &&
			   memcmp(def, u->order[v], (size_t)ndef * sizeof *def) == 0;

		vp->ncols = same ? 0 : u->norder[v];
		for (k = 0; k < vp->ncols; k++)
			vp->cols[k] = u->order[v][k];
		vp->sort_col = u->vs[v].sort_col != vd->sort_col ? u->vs[v].sort_col : -1;
		vp->sort_desc = u->vs[v].sort_desc != vd->sort_desc ? u->vs[v].sort_desc : -1;
	}
	if (config_save(c, c->config_write, c->config_read, &cause) == 0) {
		struct strbuf sb;

		sb_init(&sb);
		esc_text(&sb, c->config_write, strlen(c->config_write));
		snprintf(u->msg, sizeof u->msg, "settings saved to %.140s", sb.buf);
		sb_fini(&sb);
	} else {
		snprintf(u->msg, sizeof u->msg, "not saved: %.140s", cause);
		free(cause);
	}
	free(c);
}

void ui_setup_key(struct ui *u, uint32_t key)
{
	struct setup *st = &u->setup;
	int n = setup_items(u), dir = 0, at = st->sel - SETUP_FIRST_COL;

	switch (key) {
	case UK_UP:
		st->sel = st->sel > 0 ? st->sel - 1 : 0;
		return;
	case UK_DOWN:
		st->sel = st->sel + 1 < n ? st->sel + 1 : n - 1;
		return;
	case UK_HOME:
	case UK_PGUP:
		st->sel = 0;
		return;
	case UK_END:
	case UK_PGDN:
		st->sel = n - 1;
		return;
	case UK_ESC:
	case UK_F2:
	case 'q':
		u->mode = MODE_NORMAL;
		ui_rebuild(u);
		return;
	case UK_ENTER:
	case '\r':
	case UK_F10:
		setup_save(u);
		u->mode = MODE_NORMAL;
		ui_rebuild(u);
		return;
	case '[':
	case '-':
	case UK_F7:
		move_column(u, at, -1);
		return;
	case ']':
	case '+':
	case UK_F8:
		move_column(u, at, 1);
		return;
	case UK_LEFT:
		dir = -1;
		break;
	case UK_RIGHT:
	case ' ':
		dir = 1;
		break;
	default:
		return;
	}
	switch (st->sel) {
	case SETUP_VIEW:
		u->start_view = (enum view_id)((u->start_view + VIEW_COUNT + dir) % VIEW_COUNT);
		break;
	case SETUP_DELAY:
		step_delay(u, dir);
		break;
	case SETUP_COLOR:
		u->no_color = !u->no_color;
		u->color_changed = 1;
		break;
	case SETUP_NUMERIC:
		ui_toggle_names(u);
		break;
	case SETUP_COLUMNS_OF:
		st->cols = (enum view_id)((st->cols + VIEW_COUNT + dir) % VIEW_COUNT);
		break;
	default:
		if (key == ' ')
			toggle_column(u, at);
		break;
	}
}
