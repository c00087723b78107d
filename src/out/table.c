/* table.c: the batch table and CSV writers, from the views' column tables. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockwatch/out.h"

int out_format_by_name(const char *name)
{
	static const char *const names[] = { "table", "json", "csv", "prometheus" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

void out_format_time(struct strbuf *sb, const struct timespec *ts)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	sb_puts(sb, buf);
}

void out_write(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o)
{
	switch (o->format) {
	case OUT_JSON:
		out_write_json(sb, s, o);
		break;
	case OUT_CSV:
		out_write_csv(sb, s, o);
		break;
	case OUT_PROMETHEUS:
		out_write_prometheus(sb, s, o);
		break;
	default:
		out_write_table(sb, s, o);
		break;
	}
}

static void pad(struct strbuf *sb, size_t n)
{
	while (n-- > 0)
		sb_putc(sb, ' ');
}

static void table_summary(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o)
{
	const struct totals *t = &s->totals;
	unsigned unix_n = totals_unix(t);
	/* With -p or -u the process counts follow the filter; the totals stay the machine's. */
	const char *whole = filter_active(o->filter) ? " (whole machine)" : "";

	sb_puts(sb, "sockwatch ");
	out_format_time(sb, &s->time);
	sb_printf(sb, " iteration %llu\n", (unsigned long long)o->iteration);
	sb_printf(sb,
		  "Sockets%s: %u total, tcp %u (estab %u, listen %u, close_wait %u, time_wait %u),"
		  " udp %u, unix %u\n",
		  whole, t->sockets, t->proto[SP_TCP], t->tcp_states[TS_ESTABLISHED],
		  t->tcp_states[TS_LISTEN], t->tcp_states[TS_CLOSE_WAIT],
		  t->tcp_states[TS_TIME_WAIT], t->proto[SP_UDP] + t->proto[SP_UDPLITE], unix_n);
	sb_printf(sb, "Files%s: ", whole);
	if (t->fds_alloc >= 0 && t->fds_max >= 0)
		sb_printf(sb, "%lld/%lld", (long long)t->fds_alloc, (long long)t->fds_max);
	else
		sb_putc(sb, '?');
	sb_puts(sb, " allocated");
	{
		size_t unknown =
			filter_active(o->filter) ? snapshot_unknown_shown(s) : s->procs.denied;

		if (unknown > 0)
			sb_printf(sb, ", %zu %s not inspectable", unknown,
				  unknown == 1 ? "process" : "processes");
	}
	sb_puts(sb, "\n\n");
}

/* Every cell of every row, formatted once: offsets into one buffer. */
struct cells {
	struct strbuf text;
	size_t *off; /* rows x (cols + 1) */
};

static void cells_fill(struct cells *c, const struct snapshot *s, const struct view_def *vd,
		       const struct row_list *rl)
{
	size_t r, k, n = 0;

	sb_init(&c->text);
	c->off = xcalloc(rl->n * (vd->ncols + 1) + 1, sizeof *c->off);
	for (r = 0; r < rl->n; r++) {
		for (k = 0; k < vd->ncols; k++) {
			c->off[n++] = c->text.len;
			vd->cols[k].fmt(&c->text, s, rl->v[r]);
		}
		c->off[n++] = c->text.len;
	}
	c->off[n] = c->text.len;
}

static void cells_fini(struct cells *c)
{
	sb_fini(&c->text);
	free(c->off);
}

void out_write_table(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o)
{
	const struct view_def *vd = view_get(o->view);
	struct row_list rl = { 0 };
	struct cells c;
	size_t *w = xcalloc(vd->ncols, sizeof *w);
	size_t r, k, stride = vd->ncols + 1, lastk = 0;

	if (o->iteration > 1)
		sb_putc(sb, '\n');
	table_summary(sb, s, o);
	view_rows(s, o->filter, o->view, &rl);
	view_sort(s, o->view, &rl, vd->sort_col, vd->sort_desc);
	cells_fill(&c, s, vd, &rl);
	for (k = 0; k < vd->ncols; k++)
		w[k] = strlen(vd->cols[k].title);
	for (r = 0; r < rl.n; r++) {
		for (k = 0; k < vd->ncols; k++) {
			size_t a = c.off[r * stride + k], b = c.off[r * stride + k + 1];
			size_t cw = text_width(c.text.buf + a, b - a);

			if (cw > w[k])
				w[k] = cw;
		}
	}
	/* The last column shown ends the line; one that says the same on every row is left out. */
	for (k = 0; k < vd->ncols; k++)
		if (view_col_shown(s, &vd->cols[k]))
			lastk = k;
	for (k = 0; k < vd->ncols; k++) {
		size_t tw = strlen(vd->cols[k].title);
		int last = k == lastk;

		if (!view_col_shown(s, &vd->cols[k]))
			continue;
		if (vd->cols[k].right)
			pad(sb, w[k] - tw);
		sb_puts(sb, vd->cols[k].title);
		if (!vd->cols[k].right && !last)
			pad(sb, w[k] - tw);
		sb_puts(sb, last ? "\n" : " ");
	}
	for (r = 0; r < rl.n; r++) {
		for (k = 0; k < vd->ncols; k++) {
			size_t a = c.off[r * stride + k], b = c.off[r * stride + k + 1];
			size_t cw = text_width(c.text.buf + a, b - a);
			int last = k == lastk;

			if (!view_col_shown(s, &vd->cols[k]))
				continue;
			if (vd->cols[k].right)
				pad(sb, w[k] - cw);
			sb_append(sb, c.text.buf + a, b - a);
			if (!vd->cols[k].right && !last)
				pad(sb, w[k] - cw);
			sb_puts(sb, last ? "\n" : " ");
		}
	}
	cells_fini(&c);
	row_list_fini(&rl);
	free(w);
}

/* CSV: a heading row once, then time, iteration and the view's CSV columns. */
void out_write_csv(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o)
{
	const struct view_def *vd = view_get(o->view);
	struct row_list rl = { 0 };
	struct strbuf cell, when;
	size_t r, k;

	sb_init(&cell);
	sb_init(&when);
	out_format_time(&when, &s->time);
	if (o->iteration <= 1) {
		sb_puts(sb, "time,iteration");
		for (k = 0; k < vd->ncols; k++)
			if (view_col_csv(&vd->cols[k]))
				sb_printf(sb, ",%s", vd->cols[k].key);
		sb_puts(sb, "\r\n");
	}
	view_rows(s, o->filter, o->view, &rl);
	view_sort(s, o->view, &rl, vd->sort_col, vd->sort_desc);
	for (r = 0; r < rl.n; r++) {
		sb_printf(sb, "%s,%llu", when.buf, (unsigned long long)o->iteration);
		for (k = 0; k < vd->ncols; k++) {
			if (!view_col_csv(&vd->cols[k]))
				continue;
			sb_reset(&cell);
			if (vd->cols[k].csv != NULL)
				vd->cols[k].csv(&cell, s, rl.v[r]);
			else
				vd->cols[k].fmt(&cell, s, rl.v[r]);
			sb_putc(sb, ',');
			csv_quote(sb, cell.buf != NULL ? cell.buf : "", cell.len);
		}
		sb_puts(sb, "\r\n");
	}
	sb_fini(&cell);
	sb_fini(&when);
	row_list_fini(&rl);
}
