/* alloc.c: allocation helpers that abort on failure, and the string buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/util.h"

static void alloc_fail(size_t n)
{
	fprintf(stderr, "sockwatch: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		alloc_fail(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		alloc_fail(n * size);
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		alloc_fail(SIZE_MAX);
	p = realloc(p, n * size != 0 ? n * size : 1);
	if (p == NULL)
		alloc_fail(n * size);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *xgrow(void *v, size_t *cap, size_t need, size_t esz)
{
	size_t c = *cap;

	if (need <= c)
		return v;
	if (c < 16)
		c = 16;
	while (c < need)
		c *= 2;
	*cap = c;
	return xreallocarray(v, c, esz);
}

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void sb_fini(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf != NULL)
		sb->buf[0] = '\0';
}

void sb_reserve(struct strbuf *sb, size_t extra)
{
	int fresh = sb->buf == NULL;

	sb->buf = xgrow(sb->buf, &sb->cap, sb->len + extra + 1, 1);
	if (fresh)
		sb->buf[0] = '\0'; /* a strbuf with a buffer is always terminated */
}

void sb_putc(struct strbuf *sb, char c)
{
	if (sb->len + 2 > sb->cap)
		sb_reserve(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void sb_append(struct strbuf *sb, const void *p, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

__attribute__((format(printf, 2, 0))) void sb_vprintf(struct strbuf *sb, const char *fmt,
						      va_list ap)
{
	va_list aq;
	int n;

	sb_reserve(sb, 64);
	va_copy(aq, ap);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		sb_reserve(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

char *xprintf(const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return sb.buf;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}
