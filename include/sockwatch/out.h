/* out.h: batch writers (table, JSON Lines, CSV). They fill a buffer; main writes it. */
#ifndef SOCKWATCH_OUT_H
#define SOCKWATCH_OUT_H

#include "sockwatch/model.h"
#include "sockwatch/view.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_PROMETHEUS };

struct out_opts {
	enum out_format format;
	enum view_id view;
	const struct filter *filter;
	double interval;    /* seconds */
	uint64_t iteration; /* 1, 2, ... */
};

/* The format named name, or -1. */
int out_format_by_name(const char *name);
/* Append one refresh in the chosen format. */
void out_write(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o);

void out_write_table(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o);
void out_write_json(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o);
void out_write_csv(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o);
void out_write_prometheus(struct strbuf *sb, const struct snapshot *s, const struct out_opts *o);

/* "2026-11-25T10:00:00Z" */
void out_format_time(struct strbuf *sb, const struct timespec *ts);

#endif
