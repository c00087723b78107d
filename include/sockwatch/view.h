/*
 * view.h: the four views as rows and columns. One column table per view,
 * shared by the TUI and the batch table and CSV writers.
 */
#ifndef SOCKWATCH_VIEW_H
#define SOCKWATCH_VIEW_H

#include "sockwatch/leak.h"
#include "sockwatch/model.h"

enum view_id { VIEW_PROCESSES, VIEW_LISTEN, VIEW_PORTS, VIEW_SOCKETS, VIEW_SERVICES, VIEW_COUNT };

/* How a cell reads: the TUI colours it from this; the batch writers ignore it. */
enum severity { SEV_NORMAL, SEV_GOOD, SEV_WARN, SEV_CRIT, SEV_DIM, SEV_INFO };

struct column {
	const char *title;   /* "PID": table and TUI heading */
	const char *key;     /* "pid": CSV heading */
	unsigned char right; /* right-aligned (numbers) */
	unsigned char width; /* TUI width; 0: takes the rest of the line */
	/* Append the cell's text, already escaped for a terminal. */
	void (*fmt)(struct strbuf *sb, const struct snapshot *s, uint32_t row);
	/* Compare two rows for sorting (ascending). */
	int (*cmp)(const struct snapshot *s, uint32_t a, uint32_t b);
	/* Judge the cell from the model's numbers and the thresholds; NULL: always normal. */
	enum severity (*sev)(const struct snapshot *s, const struct leak_config *lc, uint32_t row);
	/* Whether it would say the same on every row of this snapshot (hidden on screen and in
	 * the table, kept in CSV); NULL: never. */
	int (*same)(const struct snapshot *s);
	/* CSV's cell when it differs from the text: a plain number, or empty; NULL: fmt's. */
	void (*csv)(struct strbuf *sb, const struct snapshot *s, uint32_t row);
	/* Where the column is: COL_ALL (0), or only on screen or only in CSV. */
	unsigned char where;
	/* What else the screen does with it: COL_PLAIN (0), or a COL_ROLE_*. */
	unsigned char role;
};

/*
 * A cell on screen may say two numbers ("6/5"), where a CSV cell says one:
 * such a column is COL_SCREEN (the TUI and the table), and CSV has a
 * COL_CSV column for each of its numbers.
 */
enum { COL_ALL, COL_SCREEN, COL_CSV };

/*
 * COL_ROLE_PORT: its ports may be /etc/services names, and its csv cell has
 * the numbers, which the screen shows where a name does not fit.
 * COL_ROLE_TALKER: one of the two columns (RX/s, TX/s) whose sum the top
 * talkers order sorts by, and whose headings show that order.
 */
enum { COL_PLAIN, COL_ROLE_PORT, COL_ROLE_TALKER };

struct view_def {
	const char *name;
	const struct column *cols;
	size_t ncols;
	int sort_col;  /* default sort column */
	int sort_desc; /* default direction */
	/* Compare rows by bytes per second received and sent (VIEW_SORT_TALKERS). */
	int (*talk)(const struct snapshot *s, uint32_t a, uint32_t b);
};

const struct view_def *view_get(enum view_id v);
/* The view named name ("processes", "listen", "ports", "sockets"), or -1. */
int view_by_name(const char *name);
/* The kind of model row a view lists. */
static inline enum row_kind view_row_kind(enum view_id v)
{
	return (enum row_kind)v; /* the same order: checked in view.c */
}

/*
 * Whether column c is shown for snapshot s (the TUI and the table): not a
 * COL_CSV one, nor one that says the same on every row. s NULL: any snapshot.
 */
int view_col_shown(const struct snapshot *s, const struct column *c);
/* Whether column c is in CSV (every column but the COL_SCREEN ones, whatever the rows say). */
static inline int view_col_csv(const struct column *c)
{
	return c->where != COL_SCREEN;
}
/* The rows a view shows (indices into the view's model array), unsorted. */
void view_rows(const struct snapshot *s, const struct filter *f, enum view_id v,
	       struct row_list *rl);
/*
 * Sort rows by column col; ties fall back to the view's natural order.
 * VIEW_SORT_TALKERS: by bytes per second received and sent, the most first
 * (desc is then ignored).
 */
#define VIEW_SORT_TALKERS (-2)
void view_sort(const struct snapshot *s, enum view_id v, struct row_list *rl, int col, int desc);

#endif
