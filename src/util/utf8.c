/*
 * utf8.c: UTF-8 encoding (utf8_decode() is with the escapers) and display width. The width
 * is libc's wcwidth(), the function curses places characters with, so the batch table, the
 * cell buffer and the terminal agree on where a column starts.
 */
#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <wchar.h>

#include "sockwatch/util.h"

size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > 0x10ffff)
		return 0;
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Only LC_CTYPE: wcwidth() needs a UTF-8 one, while numbers must keep the C decimal point
 * (LC_NUMERIC) and messages stay as they are. An environment that names no UTF-8 locale
 * (none at all under cron or a bare ssh, or a legacy charset) gets C.UTF-8.
 */
int text_locale_init(void)
{
	setlocale(LC_CTYPE, "");
	if (!text_locale_utf8())
		setlocale(LC_CTYPE, "C.UTF-8");
	return text_locale_utf8();
}

int text_locale_utf8(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/*
 * Printable ASCII is 1 and the other C0 bytes and DEL -1, without asking libc; so are C1
 * controls, surrogates and values above U+10FFFF. The rest is wcwidth()'s: 0 for combining
 * marks and other zero-width characters, 2 for East Asian wide ones and emoji, -1 for
 * unassigned code points and noncharacters. Without a UTF-8 LC_CTYPE wcwidth() knows
 * nothing above ASCII, and the TUI draws in ASCII, one character per code point: 1.
 */
int cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x80)
		return cp >= 0x20 && cp < 0x7f ? 1 : -1;
	if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	if (!text_locale_utf8())
		return 1;
	w = wcwidth((wchar_t)cp);
	return w > 2 ? -1 : w;
}

/*
 * A code point that cp_width() calls unprintable still takes a column where it is
 * written: esc_text() has escaped every control, so what is left is an unassigned code
 * point, which a terminal shows as one replacement glyph, as it shows an invalid byte.
 */
size_t text_width(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, w = 0;

	while (i < len) {
		uint32_t cp;
		size_t k;
		int cw;

		if (s[i] < 0x80) {
			w++;
			i++;
			continue;
		}
		k = utf8_decode(s + i, len - i, &cp);
		cw = k > 0 ? cp_width(cp) : -1;
		w += cw < 0 ? 1 : (size_t)cw;
		i += k > 0 ? k : 1;
	}
	return w;
}
