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
	UK_F2,
	UK_F3,
	UK_F4,
	UK_F5,
	UK_F6,
	UK_F7,
	UK_F8,
	UK_F9,
	UK_F10,
	UK_RESIZE,
	UK_MOUSE, /* with ui_event.x, y */
	UK_WHEEL_UP,
	UK_WHEEL_DOWN,
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
	ACT_TREE,
	ACT_USER,
	ACT_SETUP,
	ACT_REDRAW,
	/* --replay's own (ui_replay_keys) */
	ACT_REPLAY_BACK,
	ACT_REPLAY_FORWARD,
	ACT_REPLAY_JUMP,
	ACT_REPLAY_PLAY,
	ACT_REPLAY_FASTER,
	ACT_REPLAY_SLOWER,
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
/* A replay's keys, which come before the table's (t jumps there; F5 is the tree). */
extern const struct key_binding ui_replay_keys[];
extern const size_t ui_nreplay_keys;
enum ui_action ui_replay_key_action(uint32_t key);

enum ui_mode {
	MODE_NORMAL,
	MODE_FILTER,
	MODE_SEARCH,
	MODE_HELP,
	MODE_KILL,
	MODE_USER,
	MODE_SETUP,
	MODE_JUMP, /* --replay: the t prompt, a time to jump to */
};

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
#define UI_CUT_MARK  0x2026 /* ends a cell whose text was cut ("~" in ASCII) */
#define UI_MAX_COLS  32	    /* columns of one view */

struct kill_dialog {
	int pid;
	uint64_t start;
	char comm[17];
	int sel;
};

/* Where a row of the processes tree is (tree.c), and what its subtree holds. */
#define UI_TREE_DEPTH 40
struct ui_tree_row {
	uint16_t depth;	  /* 0: a root */
	uint8_t last;	  /* the last of its parent's children */
	uint8_t placed;	  /* tree.c's own: put in the order already */
	uint8_t unknown;  /* bit 0: a process below whose sockets, bit 1: whose fds are unknown */
	uint64_t guides;  /* bit i: an ancestor's line runs down through level i */
	uint32_t below;	  /* processes under it */
	uint64_t sockets; /* their sockets and fds (not its own) */
	uint64_t fds;
};

/* F2: the setup screen's place; the rest of what it edits is the ui's own state. */
enum { SETUP_VIEW, SETUP_DELAY, SETUP_COLOR, SETUP_NUMERIC, SETUP_COLUMNS_OF, SETUP_FIRST_COL };
struct setup {
	int sel;	   /* item: SETUP_* or SETUP_FIRST_COL + a column's place in the list */
	int top;	   /* first item shown */
	enum view_id cols; /* the view whose columns are listed */
};

/* The u picker: the users of the processes shown, "all" first. */
#define UI_MAX_USERS 256
struct ui_user {
	int64_t uid; /* -1: all users */
	char name[33];
	uint32_t procs;
};

struct history;

/*
 * --replay: the snapshots are a recording's records. The keys ask (step,
 * jump, playing, speed) and the loop moves through the recording.
 */
#define UI_REPLAY_SPEEDS 3 /* 1x, 10x, 60x */
extern const int ui_replay_speeds[UI_REPLAY_SPEEDS];
struct ui_replay {
	int on;
	size_t index, count; /* the record shown (0-based), of how many */
	double interval;     /* seconds between the recording's refreshes */
	int partial;	     /* the record holds the listening sockets only */
	int playing;
	int speed; /* index in ui_replay_speeds */
	int step;  /* asked: -1 one record back, +1 forward, 0 none */
	int jump;  /* asked: the time in jump_text */
	char jump_text[64];
	char name[64]; /* the recording's file name, for the header */
};

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
	/* Seconds between the starts of the last two refreshes (0: one so far): more
	 * than delay when a refresh takes longer than the interval. */
	double interval;
	/* Before the first refresh is in: the totals of its dump, once made (early_have). */
	struct totals early;
	int early_have;
	int quit;
	int help_top; /* the help screen's first key shown */
	char msg[160];
	/*
	 * The filter prompt's text when it parsed as an expression (expr.h): it
	 * narrows the collection itself, from the next refresh on. expr is the
	 * TUI's own (NULL: the command line's, if any, is in force). The ones it
	 * replaced are kept (retired) until the end: the collection thread or the
	 * snapshot shown may still use one, and there are as many as Enters.
	 */
	struct sock_expr *expr;
	struct sock_expr **retired;
	size_t nretired, retiredcap;
	int expr_off;	     /* the command line's expression was dropped (Esc) */
	int expr_changed;    /* ui_handle returns UI_EXPR: the loop hands it on */
	char expr_text[128]; /* shown in the tabs line; "" none */
	char host[64];
	/* t / F5: the processes view as a tree; tree[i] is where rows.v[i] is in it. */
	int tree_on;
	struct ui_tree_row *tree;
	size_t treecap;
	void *tree_scratch; /* tree.c's working arrays, one block */
	size_t tree_scratchcap;
	/* u: only this user's processes (-1 every user's); the picker's list and choice. */
	int64_t uid;
	char uname[33];
	struct ui_user *users;
	int nusers, user_sel, user_top;
	/* What the setup screen changes, for this run and, when saved, the next ones. */
	struct setup setup;
	enum view_id start_view; /* the view a start opens on */
	double delay;		 /* the refresh interval */
	int no_color;
	int numeric;	   /* ports as numbers (the N key, --numeric, numeric = yes) */
	int color_changed; /* the loop gives the terminal the new palette */
	/* Each view's columns (indices in its table) in the order shown; narrow screens drop
	 * some. */
	int order[VIEW_COUNT][UI_MAX_COLS];
	int norder[VIEW_COUNT];
	int w, h;
	struct strbuf scratch;
	struct ui_replay rp;
};

/* The signals offered by the kill dialog. */
struct ui_signal {
	int sig;
	const char *name;
};
extern const struct ui_signal ui_signals[];
extern const size_t ui_nsignals;

/* tree.c: rows (the processes view's, filtered and sorted) in tree order, u->tree filled. */
void ui_tree_order(struct ui *u);
/* The tree's lines and, for a parent, its subtree's totals, before row pos's COMMAND. */
void ui_tree_prefix(const struct ui *u, int pos, struct strbuf *sb);

/* state.c: pure state changes. */
void ui_init(struct ui *u, const struct config *cfg);
/* View v's column keys, the most important first (NULL-terminated). */
const char *const *ui_column_priority(enum view_id v);
/* View v's columns in their table's order, the CSV-only ones left out, into order: how many. */
int ui_default_order(enum view_id v, int *order);
/* Show those, in that order. */
void ui_default_columns(struct ui *u, enum view_id v);
/* The setup screen's list of view v's columns: the shown ones in order, then the hidden. */
int ui_setup_columns(const struct ui *u, enum view_id v, int *cols, int *shown);
/* The help screen: how many lines it has, the first shown (within bounds). */
int ui_help_lines(void);
int ui_help_top(const struct ui *u);
/* setup.c: F2 opens the setup screen; its keys; Enter saves to the config file. */
void ui_setup_open(struct ui *u);
void ui_setup_key(struct ui *u, uint32_t key);
/* The intervals the setup screen offers. */
extern const double ui_delays[];
extern const size_t ui_ndelays;
void ui_fini(struct ui *u);
/* A new snapshot arrived (or the view changed): rebuild rows, keep the selection. */
void ui_rebuild(struct ui *u);
/* Ports by name or by number, from now on (N, the setup screen). */
void ui_toggle_names(struct ui *u);
/*
 * One input event; may set u->quit. Returns 0, UI_KILL (send the signal of
 * u->kill), UI_EXPR (the filter expression changed: ui_expr says to what) or,
 * in a replay, UI_REPLAY (u->rp.step or u->rp.jump asks for another record, or
 * playing changed).
 */
enum { UI_KILL = 1, UI_EXPR = 2, UI_REPLAY = 3 /* u->rp asks to move */ };
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
