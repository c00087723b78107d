/* The framing of recordings: round trips, cuts at every byte, damage, foreign files. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "sockwatch/recfile.h"

#define NREC 40

static char path[] = "/tmp/sockwatch-recfile-XXXXXX";

/* Record i: type i % 3 + 1, time 1000 + i, a payload that compresses for even i. */
static size_t payload(int i, unsigned char *buf)
{
	size_t n = (size_t)(i * 37 % 500) + (size_t)i;
	size_t k;

	for (k = 0; k < n; k++)
		buf[k] = i % 2 == 0 ? (unsigned char)(k % 7)
				    : (unsigned char)((k * 2654435761u) >> 13);
	return n;
}

static off_t ends[NREC]; /* the file's size after record i */

static void write_records(int from, int to)
{
	unsigned char buf[1024];
	char *cause = NULL;
	struct rec_writer *w = rec_writer_open(path, &cause);
	int i;

	assert_non_null(w);
	for (i = from; i < to; i++) {
		assert_int_equal(
			rec_append(w, (uint8_t)(i % 3 + 1), 1000.0 + i, buf, payload(i, buf), 0),
			0);
		ends[i] = rec_writer_size(w);
	}
	rec_writer_close(w);
}

/* Read the file: the records read, checked one by one; *status the last rec_next. */
static int read_records(int *status, char **cause)
{
	unsigned char want[1024];
	struct rec_reader *r = rec_reader_open(path, cause);
	struct rec_frame f;
	const void *d;
	int i = 0, st;

	if (r == NULL) {
		*status = -2;
		return 0;
	}
	while ((st = rec_next(r, &f, &d, cause)) == 1) {
		size_t n = payload(i, want);

		assert_true(i < NREC);
		assert_int_equal(f.type, i % 3 + 1);
		assert_true(f.time == 1000.0 + i);
		assert_int_equal(f.raw_len, n);
		assert_memory_equal(d, want, n);
		assert_int_equal(f.offset, i == 0 ? REC_HEADER_SIZE : ends[i - 1]);
		i++;
	}
	*status = st;
	rec_reader_close(r);
	return i;
}

static void test_round_trip(void **state)
{
	char *cause = NULL;
	int st, n;
	struct stat sb;

	(void)state;
	write_records(0, NREC / 2);
	write_records(NREC / 2, NREC); /* reopened: appends */
	n = read_records(&st, &cause);
	assert_int_equal(n, NREC);
	assert_int_equal(st, 0);
	assert_null(cause);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, ends[NREC - 1]);
	/* The compressible payloads were compressed. */
	assert_true(ends[NREC - 1] < REC_HEADER_SIZE + NREC * REC_FRAME_SIZE + 11000);
}

/* Cut the file at every byte of its last three records: what is before reads. */
static void test_cut_everywhere(void **state)
{
	char *cause = NULL;
	off_t cut;
	int st, n;

	(void)state;
	write_records(0, NREC);
	for (cut = ends[NREC - 4]; cut < ends[NREC - 1]; cut++) {
		int whole = 0, k;
		char at[64];

		assert_int_equal(truncate(path, cut), 0);
		for (k = 0; k < NREC && ends[k] <= cut; k++)
			whole++;
		n = read_records(&st, &cause);
		assert_int_equal(n, whole);
		if (cut == ends[whole - 1]) {
			assert_int_equal(st, 0);
			assert_null(cause);
		} else {
			assert_int_equal(st, -1);
			snprintf(at, sizeof at, "cut record at offset %lld",
				 (long long)ends[whole - 1]);
			assert_non_null(cause);
			assert_non_null(strstr(cause, at));
			free(cause);
			cause = NULL;
		}
		/* Rewritten for the next cut: the writer appends after the last whole record. */
		write_records(whole, NREC);
	}
}

/* A writer opening a cut file cuts the damaged tail off and continues readable. */
static void test_writer_repairs(void **state)
{
	char *cause = NULL;
	int st;

	(void)state;
	write_records(0, NREC);
	assert_int_equal(truncate(path, ends[NREC - 2] + 5), 0);
	write_records(NREC - 1, NREC);
	assert_int_equal(read_records(&st, &cause), NREC);
	assert_int_equal(st, 0);
}

static void flip_byte(off_t at)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* A changed byte anywhere in record 10 stops the reading there, naming its offset. */
static void test_damage(void **state)
{
	char *cause = NULL, at[64];
	off_t b;
	int st;

	(void)state;
	write_records(0, NREC);
	snprintf(at, sizeof at, "record at offset %lld", (long long)ends[9]);
	for (b = ends[9]; b < ends[10]; b++) {
		flip_byte(b);
		assert_int_equal(read_records(&st, &cause), 10);
		assert_int_equal(st, -1);
		assert_non_null(strstr(cause, at));
		free(cause);
		cause = NULL;
		flip_byte(b);
	}
	assert_int_equal(read_records(&st, &cause), NREC);
}

static void write_raw(const void *data, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void test_foreign_and_newer(void **state)
{
	unsigned char h[REC_HEADER_SIZE] = { 'S', 'W', 'R', 'E', 'C', '\r', '\n', '\032', 2, 0 };
	char *cause = NULL;
	uint32_t c;
	int st;

	(void)state;
	write_raw("GET / HTTP/1.1\r\n\r\n", 18);
	assert_int_equal(read_records(&st, &cause), 0);
	assert_int_equal(st, -2);
	assert_non_null(strstr(cause, "not a sockwatch recording"));
	free(cause);
	cause = NULL;
	/* The writer refuses it too, and leaves it alone. */
	assert_null(rec_writer_open(path, &cause));
	assert_non_null(strstr(cause, "not a sockwatch recording"));
	free(cause);
	cause = NULL;

	c = (uint32_t)crc32(0, h, 12);
	h[12] = (unsigned char)c, h[13] = (unsigned char)(c >> 8);
	h[14] = (unsigned char)(c >> 16), h[15] = (unsigned char)(c >> 24);
	write_raw(h, sizeof h);
	assert_int_equal(read_records(&st, &cause), 0);
	assert_int_equal(st, -2);
	assert_non_null(strstr(cause, "version 2"));
	free(cause);
}

static void test_seek(void **state)
{
	char *cause = NULL;
	struct rec_reader *r;
	struct rec_frame f;
	const void *d;

	(void)state;
	write_records(0, NREC);
	r = rec_reader_open(path, &cause);
	assert_non_null(r);
	assert_int_equal(rec_seek(r, ends[24]), 0);
	assert_int_equal(rec_next(r, &f, &d, &cause), 1);
	assert_true(f.time == 1025.0);
	assert_int_equal(rec_seek(r, 3), -EINVAL);
	rec_reader_close(r);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	strcpy(path, "/tmp/sockwatch-recfile-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_repairs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_and_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seek, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
