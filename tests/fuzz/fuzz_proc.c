/*
 * fuzz_proc: every pure /proc parser of src/proc/parse.h over the same arbitrary
 * bytes (a stat line, a status or limits file, an fd link target, a cmdline, file-nr,
 * a directory entry name).
 *
 * Each parser gets its own heap copy of exactly the input's size (the pid parser a
 * NUL-terminated one), so ASan sees a read past the end. Checked besides "no crash,
 * no UB": results are in their documented ranges and agree with the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/proc.h"
#include "parse.h"
#include "fuzz_check.h"

static char *copy(const uint8_t *data, size_t size, size_t extra)
{
	char *p = malloc(size + extra ? size + extra : 1);

	if (p == NULL)
		abort();
	memcpy(p, data, size);
	memset(p + size, 0, extra);
	return p;
}

static int all_digits(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return 1;
}

static void fuzz_stat(const uint8_t *data, size_t size)
{
	char *buf = copy(data, size, 0);
	struct proc_stat_info si;

	memset(&si, 0, sizeof(si));
	if (proc_parse_stat(buf, size, &si) == 0) {
		volatile char sink = 0;

		/* comm lies between the first '(' and the last ')' of the buffer. */
		CHECK(si.comm > buf && si.comm + si.comm_len < buf + size);
		CHECK(si.comm[-1] == '(' && si.comm[si.comm_len] == ')');
		CHECK(memchr(buf, '(', (size_t)(si.comm - 1 - buf)) == NULL);
		CHECK(memchr(si.comm + si.comm_len + 1, ')',
			     (size_t)(buf + size - (si.comm + si.comm_len + 1))) == NULL);
		for (size_t i = 0; i < si.comm_len; i++)
			sink ^= si.comm[i];
		(void)sink;
		CHECK(si.threads >= 0);
	}
	free(buf);
}

static void fuzz_status(const uint8_t *data, size_t size)
{
	char *buf = copy(data, size, 0);
	int64_t uid = proc_parse_status_uid(buf, size);

	CHECK(uid == PROC_UNKNOWN || (uid >= 0 && uid <= UINT32_MAX));
	free(buf);
}

static void fuzz_limits(const uint8_t *data, size_t size)
{
	char *buf = copy(data, size, 0);
	int64_t v = proc_parse_limits_nofile(buf, size);

	CHECK(v == PROC_UNKNOWN || v == PROC_UNLIMITED || v >= 0);
	free(buf);
}

static void fuzz_socket_link(const uint8_t *data, size_t size)
{
	char *buf = copy(data, size, 0);
	uint32_t ino = proc_parse_socket_link(buf, size);

	if (ino != 0) {
		/* Only "socket:[DIGITS]" names a socket, and DIGITS is the inode. */
		char *num;

		CHECK(size >= 10 && memcmp(buf, "socket:[", 8) == 0 && buf[size - 1] == ']');
		num = copy((const uint8_t *)buf + 8, size - 9, 1);
		CHECK(all_digits(buf + 8, size - 9));
		CHECK(strtoull(num, NULL, 10) == ino);
		free(num);
	}
	free(buf);
}

static void fuzz_cmdline(const uint8_t *data, size_t size)
{
	char *buf = copy(data, size, 0);
	size_t n = proc_cmdline_join(buf, size);

	/* Trailing NULs dropped, every other NUL a space, nothing else changed. */
	CHECK(n <= size);
	for (size_t i = 0; i < n; i++)
		CHECK(buf[i] == (data[i] == '\0' ? ' ' : (char)data[i]));
	for (size_t i = n; i < size; i++)
		CHECK(data[i] == '\0');
	CHECK(n == 0 || data[n - 1] != '\0');
	free(buf);
}

static void fuzz_file_nr(const uint8_t *data, size_t size)
{
	char *buf = copy(data, size, 0);
	int64_t nr = -7, max = -7;

	if (proc_parse_file_nr(buf, size, &nr, &max) == 0)
		CHECK(nr >= 0 && max >= 0);
	free(buf);
}

static void fuzz_pid(const uint8_t *data, size_t size)
{
	char *name = copy(data, size, 1);
	int pid = proc_parse_pid(name);
	size_t len = strlen(name);

	CHECK(pid == -1 || pid > 0);
	if (pid > 0) {
		CHECK(all_digits(name, len));
		CHECK(strtoll(name, NULL, 10) == pid);
	} else if (all_digits(name, len)) {
		/* Refused digits: zero, or more than an int holds. */
		long long v = strtoll(name, NULL, 10);

		CHECK(v == 0 || v > INT32_MAX);
	}
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stat(data, size);
	fuzz_status(data, size);
	fuzz_limits(data, size);
	fuzz_socket_link(data, size);
	fuzz_cmdline(data, size);
	fuzz_file_nr(data, size);
	fuzz_pid(data, size);
	return 0;
}
