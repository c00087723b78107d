/* The settings table: config file lines and values, and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sockwatch/config.h"

static char path[] = "/tmp/sockwatch-config-XXXXXX";

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
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

static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_true(c.delay == 1.0);
	assert_int_equal(c.rescan, 30);
	assert_true(c.leak.window == 60.0);
	assert_int_equal(c.leak.growth_min, 20);
	assert_int_equal(c.leak.cw_min, 10);
	assert_true(c.leak.cw_age == 30.0);
	assert_true(c.leak.fd_warn == 0.80 && c.leak.fd_crit == 0.95);
}

static void test_file(void **state)
{
	struct config c;
	char *cause = NULL;

	(void)state;
	config_defaults(&c);
	write_file("# sockwatch settings\n"
		   "\n"
		   "window = 120   # two minutes\n"
		   "  growth-min=50\n"
		   "close-wait-age = 12.5\n"
		   "fd-warn = 70\r\n"
		   "delay = 0.5\n");
	assert_int_equal(config_load_file(&c, path, 1, &cause), 0);
	assert_true(c.leak.window == 120.0);
	assert_int_equal(c.leak.growth_min, 50);
	assert_true(c.leak.cw_age == 12.5);
	assert_true(c.leak.fd_warn == 0.70);
	assert_true(c.delay == 0.5);
}

static void test_errors(void **state)
{
	struct config c;
	char *cause = NULL;

	(void)state;
	config_defaults(&c);
	write_file("window = 90\nno-such-key = 1\n");
	assert_int_equal(config_load_file(&c, path, 1, &cause), -1);
	assert_non_null(strstr(cause, ":2: unknown setting 'no-such-key'"));
	free(cause);
	write_file("fd-crit = 150\n");
	assert_int_equal(config_load_file(&c, path, 1, &cause), -1);
	assert_non_null(strstr(cause, ":1: invalid fd-crit '150'"));
	free(cause);
	write_file("just words\n");
	assert_int_equal(config_load_file(&c, path, 1, &cause), -1);
	assert_non_null(strstr(cause, "expected key = value"));
	free(cause);
	assert_int_equal(config_set(&c, "delay", "0.01", &cause), -1);
	free(cause);
	assert_int_equal(config_set(&c, "growth-min", "\x1b[31m", &cause), -1);
	assert_null(strchr(cause, 0x1b)); /* the bad value is escaped in the message */
	free(cause);
	assert_int_equal(config_load_file(&c, "/nonexistent/sockwatch", 0, &cause), 0);
	assert_int_equal(config_load_file(&c, "/nonexistent/sockwatch", 1, &cause), -1);
	free(cause);
	assert_true(c.leak.window == 90.0); /* lines before the error were applied */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
