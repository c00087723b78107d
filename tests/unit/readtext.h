/*
 * readtext.h: a small file read whole into a buffer, for the unit tests that
 * check what sockwatch wrote (include after cmocka.h).
 */
#ifndef SOCKWATCH_TEST_READTEXT_H
#define SOCKWATCH_TEST_READTEXT_H

#include <stdio.h>

/* The text of path into buf (size bytes, NUL-terminated; longer files cut); fails the test
 * when it cannot be opened. */
static inline void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
}

#endif
