/*
 * view.h: the four views as rows and columns. One column table per view,
 * shared by the TUI and the batch table and CSV writers.
 */
#ifndef SOCKWATCH_VIEW_H
#define SOCKWATCH_VIEW_H

#include "sockwatch/model.h"

enum view_id { VIEW_PROCESSES, VIEW_LISTEN, VIEW_PORTS, VIEW_SOCKETS, VIEW_COUNT };

struct column {
	const char *title; /* "PID": table and TUI heading */
	const char *key;   /* "pid": CSV heading */
	unsigned char right; /* right-aligned (numbers) */
	unsigned char width; /* TUI width; 0: takes the rest of the line */
	/* Append the cell's text, already escaped for a terminal. */
	void (*fmt)(struct strbuf *sb, const struct snapshot *s, uint32_t row);
	/* Compare two rows for sorting (ascending). */
	int (*cmp)(const struct snapshot *s, uint32_t a, uint32_t b);
};

struct view_def {
	const char *name;
	const struct column *cols;
	size_t ncols;
	int sort_col;  /* default sort column */
	int sort_desc; /* default direction */
};

const struct view_def *view_get(enum view_id v);
/* The view named name ("processes", "listen", "ports", "sockets"), or -1. */
int view_by_name(const char *name);

struct row_list {
	uint32_t *v;
	size_t n;
	size_t cap;
};
void row_list_fini(struct row_list *rl);
/* The rows a view shows (indices into the view's model array), unsorted. */
void view_rows(const struct snapshot *s, const struct filter *f, enum view_id v,
	       struct row_list *rl);
/* Sort rows by column col; ties fall back to the view's natural order. */
void view_sort(const struct snapshot *s, enum view_id v, struct row_list *rl, int col, int desc);

/* "127.0.0.1:80", "[::1]:80", a UNIX path ("@name" if abstract), escaped for a terminal. */
void fmt_sock_endpoint(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r,
		       int local);

/* Leak verdicts for people: order of severity, and a one-line description. */
int leak_verdict_cmp(const struct leak_verdict *a, const struct leak_verdict *b);
/* "pid 123 (java) growth +380/min, 12 old close_wait, fds 3012/4096, eta 5m" */
void leak_describe(struct strbuf *sb, const struct snapshot *s, uint32_t proc);
/* "5m", "45s", "2h03m" */
void fmt_duration(struct strbuf *sb, double seconds);

#endif
