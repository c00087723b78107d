/*
 * fuzz_escape: esc_text, esc_json, esc_csv and csv_quote over arbitrary bytes.
 *
 * Checked besides "no crash, no leak, no UB" (util.h states the contracts):
 *   esc_text   no byte < 0x20, no DEL; valid UTF-8 without C1 or bidi controls; it
 *              appends (what was in the buffer stays); it loses nothing: undoing the
 *              escapes gives the input back; printable ASCII passes unchanged.
 *   esc_json   a valid JSON string body: no raw '"' or control byte, only JSON escapes,
 *              valid UTF-8, no raw C1 or bidi control; decoded, it is the input with
 *              each byte that is not valid UTF-8 replaced by U+FFFD.
 *   csv_quote  one RFC 4180 cell: quotes balanced, no separator or line break outside
 *              quotes; decoded, it is the input, or the input behind a "'" formula
 *              guard exactly when it starts with = + - @ TAB CR (a plain negative
 *              number excepted).
 *   esc_csv    the same, over esc_text of the input, and no raw control byte at all.
 *   all four   the buffer stays NUL-terminated, also when it was empty and the input is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/util.h"
#include "fuzz_check.h"

#define PREFIX "P"

/* One strictly valid UTF-8 sequence at s: its length and *cp, or 0. */
static size_t u8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static void u8_encode(struct strbuf *sb, uint32_t c)
{
	if (c < 0x80) {
		sb_putc(sb, (char)c);
	} else if (c < 0x800) {
		sb_putc(sb, (char)(0xc0 | c >> 6));
		sb_putc(sb, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		sb_putc(sb, (char)(0xe0 | c >> 12));
		sb_putc(sb, (char)(0x80 | (c >> 6 & 0x3f)));
		sb_putc(sb, (char)(0x80 | (c & 0x3f)));
	} else {
		sb_putc(sb, (char)(0xf0 | c >> 18));
		sb_putc(sb, (char)(0x80 | (c >> 12 & 0x3f)));
		sb_putc(sb, (char)(0x80 | (c >> 6 & 0x3f)));
		sb_putc(sb, (char)(0x80 | (c & 0x3f)));
	}
}

/* C1 controls and the bidi controls (ALM, LRM, RLM, LRE..RLO, LRI..PDI). */
static int cp_c1_or_bidi(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Valid UTF-8 with no C1 or bidi control. */
static void check_utf8_safe(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		k = u8_decode(u + i, len - i, &cp);
		CHECK(k > 0);
		CHECK(!cp_c1_or_bidi(cp));
		i += k;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo esc_text: \\ \n \t \r \xHH \u{H...}; any other backslash sequence is a finding. */
static void text_unescape(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (s[i] != '\\') {
			sb_putc(out, s[i++]);
			continue;
		}
		CHECK(i + 1 < len);
		switch (s[i + 1]) {
		case '\\':
			sb_putc(out, '\\');
			i += 2;
			break;
		case 'n':
			sb_putc(out, '\n');
			i += 2;
			break;
		case 't':
			sb_putc(out, '\t');
			i += 2;
			break;
		case 'r':
			sb_putc(out, '\r');
			i += 2;
			break;
		case 'x':
			CHECK(i + 3 < len && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0);
			sb_putc(out, (char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3])));
			i += 4;
			break;
		case 'u': {
			uint32_t cp = 0;
			size_t j = i + 3, digits = 0;

			CHECK(i + 2 < len && s[i + 2] == '{');
			for (; j < len && s[j] != '}'; j++, digits++) {
				CHECK(hexval(s[j]) >= 0 && digits < 6);
				cp = cp << 4 | (uint32_t)hexval(s[j]);
			}
			CHECK(j < len && digits > 0);
			CHECK(cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
			u8_encode(out, cp);
			i = j + 1;
			break;
		}
		default:
			CHECK(!"unknown escape in esc_text output");
		}
	}
}

static void check_text(const char *in, size_t len)
{
	struct strbuf sb, back;
	const char *out;
	size_t n, i;
	int plain = 1;

	sb_init(&sb);
	sb_init(&back);
	sb_puts(&sb, PREFIX);
	esc_text(&sb, in, len);
	CHECK(memcmp(sb.buf, PREFIX, strlen(PREFIX)) == 0);
	out = sb.buf + strlen(PREFIX);
	n = sb.len - strlen(PREFIX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		CHECK(c >= 0x20 && c != 0x7f);
	}
	check_utf8_safe(out, n);
	text_unescape(&back, out, n);
	CHECK(back.len == len && (len == 0 || memcmp(back.buf, in, len) == 0));
	for (i = 0; i < len; i++) {
		if ((unsigned char)in[i] < 0x20 || (unsigned char)in[i] >= 0x7f || in[i] == '\\')
			plain = 0;
	}
	if (plain)
		CHECK(n == len && memcmp(out, in, len) == 0);
	sb_fini(&sb);
	sb_fini(&back);
}

/* Decode a JSON string body (RFC 8259) into UTF-8; any grammar error is a finding. */
static void json_unescape(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;

		CHECK(c >= 0x20 && c != '"');
		if (c != '\\') {
			sb_putc(out, (char)c);
			i++;
			continue;
		}
		CHECK(i + 1 < len);
		switch (s[i + 1]) {
		case '"':
		case '\\':
		case '/':
			sb_putc(out, s[i + 1]);
			i += 2;
			continue;
		case 'b':
			sb_putc(out, '\b');
			i += 2;
			continue;
		case 'f':
			sb_putc(out, '\f');
			i += 2;
			continue;
		case 'n':
			sb_putc(out, '\n');
			i += 2;
			continue;
		case 'r':
			sb_putc(out, '\r');
			i += 2;
			continue;
		case 't':
			sb_putc(out, '\t');
			i += 2;
			continue;
		case 'u':
			break;
		default:
			CHECK(!"invalid JSON escape");
		}
		CHECK(i + 5 < len);
		cp = 0;
		for (size_t k = 2; k < 6; k++) {
			CHECK(hexval(s[i + k]) >= 0);
			cp = cp << 4 | (uint32_t)hexval(s[i + k]);
		}
		i += 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo = 0;

			CHECK(i + 5 < len && s[i] == '\\' && s[i + 1] == 'u');
			for (size_t k = 2; k < 6; k++) {
				CHECK(hexval(s[i + k]) >= 0);
				lo = lo << 4 | (uint32_t)hexval(s[i + k]);
			}
			CHECK(lo >= 0xdc00 && lo <= 0xdfff);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		} else {
			CHECK(!(cp >= 0xdc00 && cp <= 0xdfff)); /* a lone low surrogate */
		}
		u8_encode(out, cp);
	}
}

static void check_json(const char *in, size_t len)
{
	const unsigned char *u = (const unsigned char *)in;
	struct strbuf sb, back, want;
	const char *out;
	size_t n, i, k;
	uint32_t cp;

	sb_init(&sb);
	sb_init(&back);
	sb_init(&want);
	sb_puts(&sb, PREFIX);
	esc_json(&sb, in, len);
	CHECK(memcmp(sb.buf, PREFIX, strlen(PREFIX)) == 0);
	out = sb.buf + strlen(PREFIX);
	n = sb.len - strlen(PREFIX);
	for (i = 0; i < n; i++)
		CHECK((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] != 0x7f);
	check_utf8_safe(out, n);
	json_unescape(&back, out, n);
	for (i = 0; i < len; i += k) {
		k = u8_decode(u + i, len - i, &cp);
		if (k == 0) {
			sb_puts(&want, "\xef\xbf\xbd");
			k = 1;
		} else {
			sb_append(&want, u + i, k);
		}
	}
	CHECK(back.len == want.len && (want.len == 0 || memcmp(back.buf, want.buf, want.len) == 0));
	sb_fini(&sb);
	sb_fini(&back);
	sb_fini(&want);
}

/* A cell a spreadsheet would run: = + - @ TAB CR in front, unless a plain "-1.5" or "-". */
static int csv_formula(const char *s, size_t len)
{
	if (len == 0 || strchr("=+-@\t\r", s[0]) == NULL || s[0] == '\0')
		return 0;
	if (s[0] == '-') {
		for (size_t i = 1; i < len; i++) {
			if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
				return 1;
		}
		return 0;
	}
	return 1;
}

/* Check one CSV cell and decode it (RFC 4180) into out. */
static void csv_decode(struct strbuf *out, const char *s, size_t len)
{
	if (len > 0 && s[0] == '"') {
		CHECK(len >= 2 && s[len - 1] == '"');
		for (size_t i = 1; i < len - 1; i++) {
			if (s[i] == '"') {
				/* Quotes inside come in pairs. */
				CHECK(i + 1 < len - 1 && s[i + 1] == '"');
				i++;
			}
			sb_putc(out, s[i]);
		}
		return;
	}
	for (size_t i = 0; i < len; i++) {
		CHECK(s[i] != '"' && s[i] != ',' && s[i] != '\n' && s[i] != '\r');
		sb_putc(out, s[i]);
	}
}

/* The cell holds want, or want behind a "'" guard exactly when want is a formula. */
static void check_cell(const char *cell, size_t n, const char *want, size_t wlen)
{
	struct strbuf back;

	sb_init(&back);
	csv_decode(&back, cell, n);
	if (csv_formula(want, wlen)) {
		CHECK(back.len == wlen + 1 && back.buf[0] == '\'' &&
		      memcmp(back.buf + 1, want, wlen) == 0);
	} else {
		CHECK(back.len == wlen && (wlen == 0 || memcmp(back.buf, want, wlen) == 0));
	}
	sb_fini(&back);
}

static void check_csv(const char *in, size_t len)
{
	struct strbuf sb, text;
	const char *out;
	size_t n, i;

	sb_init(&sb);
	sb_puts(&sb, PREFIX);
	csv_quote(&sb, in, len);
	CHECK(memcmp(sb.buf, PREFIX, strlen(PREFIX)) == 0);
	check_cell(sb.buf + strlen(PREFIX), sb.len - strlen(PREFIX), in, len);

	sb_init(&text);
	esc_text(&text, in, len);
	sb_reset(&sb);
	sb_puts(&sb, PREFIX);
	esc_csv(&sb, in, len);
	CHECK(memcmp(sb.buf, PREFIX, strlen(PREFIX)) == 0);
	out = sb.buf + strlen(PREFIX);
	n = sb.len - strlen(PREFIX);
	for (i = 0; i < n; i++)
		CHECK((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] != 0x7f);
	check_utf8_safe(out, n);
	check_cell(out, n, text.buf != NULL ? text.buf : "", text.len);
	sb_fini(&text);
	sb_fini(&sb);
}

/*
 * util.h: a strbuf is NUL-terminated whenever buf != NULL, and callers rely on it
 * (they print sb.buf when it is not NULL). Escaping into a fresh buffer keeps that,
 * also for empty input. (ASan fills new heap memory with 0xbe, so an unterminated
 * buffer fails here every time.)
 */
static void check_fresh(void (*esc)(struct strbuf *, const char *, size_t), const char *name,
			const char *in, size_t len)
{
	struct strbuf sb;

	sb_init(&sb);
	esc(&sb, in, len);
	if (sb.buf != NULL && sb.buf[sb.len] != '\0') {
		fprintf(stderr,
			"invariant violated: %s into an empty strbuf, %zu input bytes: "
			"buf != NULL but not NUL-terminated (len %zu)\n",
			name, len, sb.len);
		abort();
	}
	sb_fini(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size ? size : 1);

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	check_text(in, size);
	check_json(in, size);
	check_csv(in, size);
	check_fresh(esc_text, "esc_text", in, size);
	check_fresh(esc_json, "esc_json", in, size);
	check_fresh(esc_csv, "esc_csv", in, size);
	check_fresh(csv_quote, "csv_quote", in, size);
	free(in);
	return 0;
}
