/* utf8.c: UTF-8 encoding (utf8_decode() is with the escapers) and the text locale. */
#include <langinfo.h>
#include <locale.h>
#include <string.h>

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
