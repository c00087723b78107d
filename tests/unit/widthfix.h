/*
 * widthfix.h: display width measured by libc alone, the independent yardstick of
 * the tests that check alignment (header-only; include it after cmocka.h).
 */
#ifndef SOCKWATCH_TEST_WIDTHFIX_H
#define SOCKWATCH_TEST_WIDTHFIX_H

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Columns that the first n bytes of s take on a terminal, by libc alone. */
static inline int libc_columns(const char *s, size_t n)
{
	char buf[1024];
	wchar_t wcs[1024];
	size_t k;
	int w;

	assert_true(n < sizeof buf);
	memcpy(buf, s, n);
	buf[n] = '\0';
	k = mbstowcs(wcs, buf, sizeof wcs / sizeof wcs[0]);
	assert_true(k != (size_t)-1);
	w = wcswidth(wcs, k);
	assert_true(w >= 0);
	return w;
}

#endif
