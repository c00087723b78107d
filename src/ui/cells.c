/* cells.c: the cell buffer that views render into. */
#include <stdlib.h>
#include <string.h>

#include "cells.h"

void cellbuf_init(struct cellbuf *cb)
{
	cb->w = cb->h = 0;
	cb->c = NULL;
}

void cellbuf_fini(struct cellbuf *cb)
{
	free(cb->c);
	cellbuf_init(cb);
}

void cellbuf_resize(struct cellbuf *cb, int w, int h)
{
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	if (w != cb->w || h != cb->h) {
		free(cb->c);
		cb->c = xcalloc((size_t)w * (size_t)h, sizeof *cb->c);
		cb->w = w;
		cb->h = h;
	}
	cellbuf_clear(cb);
}

void cellbuf_clear(struct cellbuf *cb)
{
	int i;

	for (i = 0; i < cb->w * cb->h; i++) {
		cb->c[i].ch = ' ';
		cb->c[i].attr = AT_NORMAL;
	}
}

/*
 * Put ch, w (1 or 2) columns wide, at (x, y), inside the buffer. A wide character that it
 * covers half of loses its other half to a space: a left half alone would make curses
 * draw it over the next cell, a right half alone (0, which is not drawn) would pull the
 * rest of the row one column to the left.
 */
static void cell_put(struct cellbuf *cb, int x, int y, uint32_t ch, int w, uint8_t attr)
{
	struct cell *row = cb->c + y * cb->w;

	if (row[x].ch == 0 && x > 0)
		row[x - 1].ch = ' ';
	if (x + w < cb->w && row[x + w].ch == 0)
		row[x + w].ch = ' ';
	row[x].ch = ch;
	row[x].attr = attr;
	if (w == 2) {
		row[x + 1].ch = 0;
		row[x + 1].attr = attr;
	}
}

void cellbuf_fill(struct cellbuf *cb, int x, int y, int n, uint32_t ch, uint8_t attr)
{
	if (y < 0 || y >= cb->h)
		return;
	for (; n > 0 && x < cb->w; x++, n--) {
		if (x >= 0)
			cell_put(cb, x, y, ch, 1, attr);
	}
}

void cellbuf_attr(struct cellbuf *cb, int x, int y, int n, uint8_t attr)
{
	if (y < 0 || y >= cb->h)
		return;
	for (; n > 0 && x < cb->w; x++, n--) {
		if (x >= 0)
			cb->c[y * cb->w + x].attr = attr;
	}
}

/* Decode one UTF-8 character; an invalid byte decodes to U+FFFD, alone. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k = utf8_decode(s, n, cp);

	if (k > 0)
		return k;
	*cp = 0xfffd;
	return 1;
}

/*
 * What a cell holds for c, and how many columns it takes (1 or 2). Anything not printable
 * becomes '?', so the buffer never holds a control. So do zero-width characters
 * (combining marks, ZWJ, variation selectors): curses would merge them into the cell
 * before, which holds one code point here, and a name stacked with marks would hide them.
 */
static uint32_t cp_safe(uint32_t c, int *w)
{
	*w = cp_width(c);
	if (*w < 1 || *w > 2) {
		*w = 1;
		return '?';
	}
	return c;
}

int cellbuf_text(struct cellbuf *cb, int x, int y, const char *str, size_t len, int maxw,
		 uint8_t attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	int used = 0;

	if (y < 0 || y >= cb->h)
		return 0;
	while (i < len && used < maxw && x + used < cb->w) {
		uint32_t cp;
		int w;

		i += utf8_next(s + i, len - i, &cp);
		cp = cp_safe(cp, &w);
		if (used + w > maxw || x + used + w > cb->w)
			break;
		if (x + used >= 0)
			cell_put(cb, x + used, y, cp, w, attr);
		used += w;
	}
	return used;
}

int text_columns(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	int w = 0;

	while (i < len) {
		uint32_t cp;
		int cw;

		i += utf8_next(s + i, len - i, &cp);
		cp_safe(cp, &cw);
		w += cw;
	}
	return w;
}

void cellbuf_row_text(const struct cellbuf *cb, int y, struct strbuf *sb)
{
	size_t start = sb->len, end;
	int x;

	if (y < 0 || y >= cb->h)
		return;
	for (x = 0; x < cb->w; x++) {
		uint32_t c = cb->c[y * cb->w + x].ch;
		char u[4];
		size_t n;

		if (c == 0)
			continue;
		/* cellbuf_fill() takes any value: one that is no code point is a '?'. */
		n = utf8_encode(c, u);
		sb_append(sb, n > 0 ? u : "?", n > 0 ? n : 1);
	}
	end = sb->len;
	while (end > start && sb->buf[end - 1] == ' ')
		end--;
	sb->len = end;
	if (sb->buf != NULL)
		sb->buf[end] = '\0';
}
