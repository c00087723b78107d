/*
 * escape.c: make untrusted bytes (process names, command lines, UNIX socket
 * paths) safe for a terminal, a CSV cell or a JSON string.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/util.h"

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that must never reach a terminal raw: C1 controls, bidi and line controls. */
static int cp_is_dangerous(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

enum esc_mode { ESC_TEXT, ESC_JSON };

/*
 * One escaper for terminals and JSON; they differ only in how they spell
 * what they escape: \x1b or \u001b, \u{202e} or \u202e, and an invalid
 * byte as \xff or U+FFFD (JSON strings must be valid UTF-8).
 */
static void esc_run(struct strbuf *sb, const char *str, size_t len, enum esc_mode m)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;
	uint32_t cp;

	sb_reserve(sb, len + 2);
	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && (c != '"' || m != ESC_JSON)) {
			sb_putc(sb, (char)c);
			i++;
			continue;
		}
		if (c < 0x80) {
			if (c == '\\')
				sb_puts(sb, "\\\\");
			else if (c == '"')
				sb_puts(sb, "\\\"");
			else if (c == '\n')
				sb_puts(sb, "\\n");
			else if (c == '\t')
				sb_puts(sb, "\\t");
			else if (c == '\r')
				sb_puts(sb, "\\r");
			else
				sb_printf(sb, m == ESC_JSON ? "\\u%04x" : "\\x%02x", c);
			i++;
			continue;
		}
		k = utf8_decode(s + i, len - i, &cp);
		if (k == 0) {
			if (m == ESC_JSON)
				sb_puts(sb, "\\ufffd");
			else
				sb_printf(sb, "\\x%02x", c);
			i++;
		} else if (cp_is_dangerous(cp)) {
			sb_printf(sb, m == ESC_JSON ? "\\u%04x" : "\\u{%04x}", (unsigned)cp);
			i += k;
		} else {
			sb_append(sb, s + i, k);
			i += k;
		}
	}
}

void esc_text(struct strbuf *sb, const char *s, size_t len)
{
	esc_run(sb, s, len, ESC_TEXT);
}

void esc_json(struct strbuf *sb, const char *s, size_t len)
{
	esc_run(sb, s, len, ESC_JSON);
}

/* A number, or "-": cells that a spreadsheet reads as what they are. */
static int csv_is_plain(const char *s, size_t len)
{
	size_t i = (len > 0 && s[0] == '-') ? 1 : 0;

	if (i == len)
		return 1;
	for (; i < len; i++) {
		if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
			return 0;
	}
	return 1;
}

/*
 * A cell is quoted when it holds a separator, a quote, a line break or
 * surrounding space. A cell that a spreadsheet would run as a formula gets a
 * leading quote character.
 */
void csv_quote(struct strbuf *sb, const char *s, size_t len)
{
	int guard = len > 0 && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL &&
		    !csv_is_plain(s, len);
	int quote = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	}
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' '))
		quote = 1;
	if (quote)
		sb_putc(sb, '"');
	if (guard)
		sb_putc(sb, '\'');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			sb_putc(sb, '"');
		sb_putc(sb, s[i]);
	}
	if (quote)
		sb_putc(sb, '"');
}

void esc_csv(struct strbuf *sb, const char *s, size_t len)
{
	struct strbuf t;

	sb_init(&t);
	esc_text(&t, s, len);
	csv_quote(sb, t.buf != NULL ? t.buf : "", t.len);
	sb_fini(&t);
}

int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * The syntax only: each setting has its own bounds (a rate may be far above
 * 86400). Decimal only, as parse_uint: strtod would take "0x50" for 80.
 */
int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || ((*s < '0' || *s > '9') && *s != '.') || strpbrk(s, "xX") != NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0.0)
		return -1;
	*out = v;
	return 0;
}
