/* ui_int.h: the TUI's state, shared by the pure parts (keys, render, state) of src/ui. */
#ifndef SOCKWATCH_UI_INT_H
#define SOCKWATCH_UI_INT_H

#include <stdint.h>

#include "cells.h"
#include "sockwatch/ui.h"
#include "sockwatch/view.h"

/* Keys as the UI sees them; term.c maps curses' codes onto these. */
enum {
	UK_NONE = 0,
	UK_ESC = 27,
	UK_BACKSPACE = 127,
	UK_ENTER = '\n',
	UK_TAB = '\t',
	UK_BASE = 0x110000, /* above every code point */
	UK_UP,
	UK_DOWN,
	UK_LEFT,
	UK_RIGHT,
	UK_PGUP,
	UK_PGDN,
	UK_HOME,
	UK_END,
	UK_BTAB,
	UK_F1,
	UK_F3 = UK_F1 + 2,
	UK_F4,
	UK_F5,
	UK_F6,
	UK_F7,
	UK_F8,
	UK_F9,
	UK_F10,
	UK_RESIZE,
	UK_MOUSE, /* with ui_event.x, y */
	UK_CTRL_L,
};

struct ui_event {
	uint32_t key;
	int x, y; /* mouse position for UK_MOUSE */
};

enum ui_action {
	ACT_NONE,
	ACT_QUIT,
	ACT_HELP,
	ACT_VIEW1,
	ACT_VIEW2,
	ACT_VIEW3,
	ACT_VIEW4,
	ACT_VIEW5,
	ACT_GROUP_SERVICE,
	ACT_NEXT_VIEW,
	ACT_PREV_VIEW,
	ACT_UP,
	ACT_DOWN,
	ACT_PGUP,
	ACT_PGDN,
	ACT_HOME,
	ACT_END,
	ACT_ENTER,
	ACT_BACK,
	ACT_SEARCH,
	ACT_SEARCH_NEXT,
	ACT_FILTER,
	ACT_SORT_PREV,
	ACT_SORT_NEXT,
	ACT_SORT_INVERT,
	ACT_SORT_LEAK,
	ACT_SORT_TALKERS,
	ACT_NAMES,
	ACT_PAUSE,
	ACT_KILL,
	ACT_REDRAW,
};

struct key_binding {
	uint32_t key;
	enum ui_action action;
	const char *name; /* as shown in help; NULL: same line as the previous entry */
	const char *help;
};

/* The one key table. */
extern const struct key_binding ui_keys[];
extern const size_t ui_nkeys;
enum ui_action ui_key_action(uint32_t key);

enum ui_mode { MODE_NORMAL, MODE_FILTER, MODE_SEARCH, MODE_HELP, MODE_KILL };

struct view_state {
	int sort_col;
	int sort_desc;
	struct row_key sel;
	int has_sel;
	int top; /* first row shown */
};

/*
 * A drill-down: the sockets view restricted to the sockets the model says
 * belong to one row (a process, a listener, a port row), found again by its
 * key in every new snapshot.
 */
struct drill {
	enum view_id from;
	enum view_id to;	/* the view it lists: sockets, or the processes of a service */
	enum row_kind kind;	/* of the row drilled into */
	struct row_key key;	/* its identity */
	char saved_filter[128]; /* the text filter of the view we came from */
	char label[96];
};

#define UI_MAX_DRILL 4

struct kill_dialog {
	int pid;
	uint64_t start;
	char comm[17];
	int sel;
};

struct history;

struct ui {
	const struct config *cfg;
	const struct snapshot *snap;
	const struct history *hist; /* for the leak detail pane's sparkline */
	enum view_id view;
	struct view_state vs[VIEW_COUNT];
	struct row_list rows; /* rows of the current view, filtered and sorted */
	int cursor;	      /* index in rows */
	enum ui_mode mode;
	char filter[128];
	char search[128];
	struct drill drill[UI_MAX_DRILL];
	int ndrill;
	struct kill_dialog kill;
	int paused;
	int quit;
	char msg[160];
	/*
	 * The filter prompt's text when it parsed as an expression (expr.h): it
	 * narrows the collection itself, from the next refresh on. expr is the
	 * TUI's own (NULL: the command line's, if any, is in force); the one it
	 * replaced is freed with the next, once no refresh uses it.
	 */
	struct sock_expr *expr, *expr_old;
	int expr_off;	     /* the command line's expression was dropped (Esc) */
	int expr_changed;    /* ui_handle returns UI_EXPR: the loop hands it on */
	char expr_text[128]; /* shown in the tabs line; "" none */
	char host[64];
	int w, h;
	struct strbuf scratch;
};

/* The signals offered by the kill dialog. */
struct ui_signal {
	int sig;
	const char *name;
};
extern const struct ui_signal ui_signals[];
extern const size_t ui_nsignals;

/* state.c: pure state changes. */
void ui_init(struct ui *u, const struct config *cfg);
void ui_fini(struct ui *u);
/* A new snapshot arrived (or the view changed): rebuild rows, keep the selection. */
void ui_rebuild(struct ui *u);
/*
 * One input event; may set u->quit. Returns 0, UI_KILL (send the signal of
 * u->kill) or UI_EXPR (the filter expression changed: ui_expr says to what).
 */
enum { UI_KILL = 1, UI_EXPR = 2 };
int ui_handle(struct ui *u, const struct ui_event *ev);
/* The filter expression in force: the TUI's, else the command line's (NULL: none). */
const struct sock_expr *ui_expr(const struct ui *u);
/* The flagged process whose sockets are shown (its leak detail pane), or -1. */
int ui_detail_proc(const struct ui *u);
#define UI_DETAIL_LINES 3
/* Geometry, shared by render and mouse handling. */
int ui_header_lines(const struct ui *u);
int ui_table_y(const struct ui *u); /* row of the column titles */
int ui_table_rows(const struct ui *u);
/* Which column titles are shown, and where: fills x[] and w[], returns the count. */
/* The columns on screen: position x, width w and the view's column index col of each. */
int ui_layout_columns(const struct ui *u, int *x, int *w, int *col, int max);

/* render.c: draw the whole screen into cb (sized to u->w x u->h). */
void ui_render(const struct ui *u, struct cellbuf *cb);

#endif
