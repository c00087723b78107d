/* cells.h: a screen as a plain buffer of cells (character + attribute); no curses here. */
#ifndef SOCKWATCH_UI_CELLS_H
#define SOCKWATCH_UI_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/util.h"

/* Attributes are roles; term.c turns them into colours (or not, with --no-color). */
enum cell_attr {
	AT_NORMAL,
	AT_LABEL,      /* header labels */
	AT_VALUE,      /* header values */
	AT_TAB,	       /* an inactive view tab */
	AT_TAB_ACTIVE, /* the current view tab */
	AT_TITLE,      /* column titles */
	AT_TITLE_SORT, /* the sort column's title */
	AT_SELECTED,   /* the selected row */
	AT_KEY,	       /* footer: a key */
	AT_KEYTEXT,    /* footer: what it does */
	AT_GOOD,       /* established, ok */
	AT_WARN,       /* close_wait, warning */
	AT_CRIT,       /* critical */
	AT_DIM,	       /* unknown, time_wait */
	AT_INFO,       /* listen, messages */
	AT_COUNT
};

struct cell {
	uint32_t ch; /* code point; 0: right half of a wide character */
	uint8_t attr;
};

struct cellbuf {
	int w, h;
	struct cell *c;
};

void cellbuf_init(struct cellbuf *cb);
void cellbuf_fini(struct cellbuf *cb);
void cellbuf_resize(struct cellbuf *cb, int w, int h);
void cellbuf_clear(struct cellbuf *cb);
/* Fill n cells of row y from x with ch. */
void cellbuf_fill(struct cellbuf *cb, int x, int y, int n, uint32_t ch, uint8_t attr);
/* Set the attribute of n cells. */
void cellbuf_attr(struct cellbuf *cb, int x, int y, int n, uint8_t attr);
/* Write UTF-8 text at (x, y), at most maxw columns; returns the columns written. */
int cellbuf_text(struct cellbuf *cb, int x, int y, const char *s, size_t len, int maxw,
		 uint8_t attr);
/*
 * Columns that UTF-8 text takes in the buffer: cp_width() (util.h), except that what
 * cellbuf_text() draws as '?' (unprintable or zero-width code points) takes 1.
 */
int text_columns(const char *s, size_t len);
/* Row y as UTF-8 text, trailing spaces dropped (for tests and search). */
void cellbuf_row_text(const struct cellbuf *cb, int y, struct strbuf *sb);

#endif
