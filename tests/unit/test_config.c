/* The settings table: config file lines and values, and their errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "readtext.h"
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
	assert_int_equal(c.leak.dead_min, 10);
	assert_true(c.leak.dead_age == 30.0);
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

/*
 * Only a regular file is read: a directory, a FIFO (without blocking on it,
 * missing or not), a device are refused, as must_exist or as the default file;
 * a read error is an error, not an empty file.
 */
static void test_not_regular(void **state)
{
	char dir[] = "/tmp/sockwatch-config-dir-XXXXXX", fifo[64];
	struct config c;
	char *cause = NULL;

	(void)state;
	config_defaults(&c);
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	for (int must = 0; must <= 1; must++) {
		assert_int_equal(config_load_file(&c, dir, must, &cause), -1);
		assert_non_null(strstr(cause, ": a directory, not a regular file"));
		free(cause);
		assert_int_equal(config_load_file(&c, fifo, must, &cause), -1);
		assert_non_null(strstr(cause, ": a FIFO, not a regular file"));
		free(cause);
		assert_int_equal(config_load_file(&c, "/dev/null", must, &cause), -1);
		assert_non_null(strstr(cause, ": a character device, not a regular file"));
		free(cause);
	}
	/* A regular file by stat whose reads fail (EIO at offset 0). */
	assert_int_equal(config_load_file(&c, "/proc/self/mem", 1, &cause), -1);
	assert_non_null(strstr(cause, "/proc/self/mem: cannot read: "));
	free(cause);
	unlink(fifo);
	rmdir(dir);
}

/* Set s to v (written with full precision) through config_set, as a user would. */
static int set_value(struct config *c, const struct setting *s, double v, char **cause)
{
	char text[64];

	snprintf(text, sizeof text, "%.17g", v);
	*cause = NULL;
	return config_set(c, s->key, text, cause);
}

static int same(double a, double b)
{
	return a == b || fabs(a - b) <= 1e-12 * fabs(b);
}

/* A value just inside the bounds at min: min itself, or above it when min is refused. */
static double lowest(const struct setting *s)
{
	if (!s->min_open)
		return s->min;
	return s->type == SETTING_COUNT ? s->min + 1 : s->min + 1e-6 * (s->max - s->min);
}

/* A value below the bounds: min itself when refused, else under it (negative for 0). */
static double below(const struct setting *s)
{
	if (s->min_open)
		return s->min;
	if (s->min <= 0)
		return -1;
	return s->min >= 1 ? s->min - 1 : s->min / 2;
}

static void check_refused(const struct setting *s, double v)
{
	struct config c;
	char *cause;
	double before;

	config_defaults(&c);
	before = config_setting_get(&c, s);
	assert_int_equal(set_value(&c, s, v, &cause), -1);
	/* The cause names the setting and its bounds; the value is unchanged. */
	assert_non_null(cause);
	assert_non_null(strstr(cause, s->key));
	assert_non_null(strstr(cause, s->arg));
	assert_null(strchr(cause, '\n'));
	free(cause);
	assert_true(config_setting_get(&c, s) == before);
}

/* Every setting of the table: its default, its bounds, and both sides of them. */
static void test_table(void **state)
{
	struct config c;
	char *cause;
	size_t i, j;

	(void)state;
	assert_true(config_nsettings > 0);
	for (i = 0; i < config_nsettings; i++) {
		const struct setting *s = &config_settings[i];

		print_message("setting %s\n", s->key);
		assert_ptr_equal(config_setting_find(s->key), s);
		for (j = 0; j < i; j++)
			assert_string_not_equal(config_settings[j].key, s->key);
		assert_non_null(s->arg);
		/* Defaults and bounds come from the table, never from the help text. */
		assert_null(strstr(s->help, "default"));
		assert_true(s->min < s->max);
		assert_true(s->def >= s->min && s->def <= s->max);
		assert_true(!s->min_open || s->def > s->min);
		if (s->type == SETTING_COUNT) {
			assert_true(s->min >= 0 && s->max <= UINT32_MAX);
			assert_true(s->min == floor(s->min) && s->max == floor(s->max));
			assert_true(s->def == floor(s->def));
		}
		config_defaults(&c);
		assert_true(same(config_setting_get(&c, s), s->def));

		assert_int_equal(set_value(&c, s, lowest(s), &cause), 0);
		assert_true(same(config_setting_get(&c, s), lowest(s)));
		assert_int_equal(set_value(&c, s, s->max, &cause), 0);
		assert_true(same(config_setting_get(&c, s), s->max));
		check_refused(s, below(s));
		check_refused(s, s->max + 1);
		if (s->type == SETTING_COUNT)
			check_refused(s, s->min + 0.5);
	}
}

/* The bounds each setting has always had (the table may grow, these stay). */
static void test_bounds(void **state)
{
	static const struct {
		const char *key;
		double min, max;
		int min_open;
	} want[] = {
		{ "delay", 0.05, 86400, 0 },	   { "rescan", 1, 1000000, 0 },
		{ "window", 5, 86400, 0 },	   { "growth-min", 1, 10000000, 0 },
		{ "growth-rate", 0, 1e9, 0 },	   { "close-wait-min", 1, 10000000, 0 },
		{ "close-wait-age", 0, 86400, 0 }, { "fd-warn", 0, 100, 1 },
		{ "fd-crit", 0, 100, 1 },	   { "dead-min", 1, 10000000, 0 },
		{ "dead-age", 0, 86400, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct setting *s = config_setting_find(want[i].key);

		assert_non_null(s);
		assert_true(s->min == want[i].min && s->max == want[i].max);
		assert_int_equal(s->min_open, want[i].min_open);
	}
}

/* Each key lands in its own field of struct config (the table's offsets). */
static void test_fields(void **state)
{
	struct config c;
	char *cause = NULL;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "delay", "2.5", &cause), 0);
	assert_int_equal(config_set(&c, "rescan", "7", &cause), 0);
	assert_int_equal(config_set(&c, "window", "90", &cause), 0);
	assert_int_equal(config_set(&c, "growth-min", "21", &cause), 0);
	assert_int_equal(config_set(&c, "growth-rate", "100000", &cause), 0);
	assert_int_equal(config_set(&c, "close-wait-min", "11", &cause), 0);
	assert_int_equal(config_set(&c, "close-wait-age", "31", &cause), 0);
	assert_int_equal(config_set(&c, "fd-warn", "50", &cause), 0);
	assert_int_equal(config_set(&c, "fd-crit", "75", &cause), 0);
	assert_int_equal(config_set(&c, "dead-min", "12", &cause), 0);
	assert_int_equal(config_set(&c, "dead-age", "32", &cause), 0);
	assert_true(c.delay == 2.5);
	assert_int_equal(c.rescan, 7);
	assert_true(c.leak.window == 90.0);
	assert_int_equal(c.leak.growth_min, 21);
	assert_true(c.leak.growth_rate_min == 100000.0);
	assert_int_equal(c.leak.cw_min, 11);
	assert_true(c.leak.cw_age == 31.0);
	assert_true(c.leak.fd_warn == 0.50 && c.leak.fd_crit == 0.75);
	assert_int_equal(c.leak.dead_min, 12);
	assert_true(c.leak.dead_age == 32.0);
}

static void test_describe(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	config_setting_describe(&sb, config_setting_find("window"));
	assert_string_equal(sb.buf, "default 60, 5-86400");
	sb_reset(&sb);
	config_setting_describe(&sb, config_setting_find("growth-rate"));
	assert_string_equal(sb.buf, "default 10, 0-1000000000");
	sb_reset(&sb);
	config_setting_describe(&sb, config_setting_find("fd-warn"));
	assert_string_equal(sb.buf, "default 80, above 0, up to 100");
	sb_fini(&sb);
	assert_null(config_setting_find("no-such-key"));
}

/*
 * What the setup screen writes, the file accepts: the start view, colour and
 * each view's columns and sort. Before, "view = listen" was an unknown setting.
 */
static void test_view_keys(void **state)
{
	struct config c;
	char *cause = NULL;

	(void)state;
	config_defaults(&c);
	write_file("view = listen\n"
		   "color = no\n"
		   "numeric = yes\n"
		   "processes.columns = pid, leak,command\n"
		   "processes.sort = established\n"
		   "processes.sort-order = ascending\n"
		   "ports.sort = talkers\n");
	assert_int_equal(config_load_file(&c, path, 1, &cause), 0);
	assert_int_equal(c.view, VIEW_LISTEN);
	assert_int_equal(c.no_color, 1);
	assert_int_equal(c.numeric, 1);
	assert_int_equal(c.views[VIEW_PROCESSES].ncols, 3);
	assert_string_equal(view_get(VIEW_PROCESSES)->cols[c.views[VIEW_PROCESSES].cols[1]].key,
			    "leak");
	assert_string_equal(view_get(VIEW_PROCESSES)->cols[c.views[VIEW_PROCESSES].sort_col].key,
			    "established");
	assert_int_equal(c.views[VIEW_PROCESSES].sort_desc, 0);
	assert_int_equal(c.views[VIEW_PORTS].sort_col, VIEW_SORT_TALKERS);
	assert_int_equal(c.views[VIEW_LISTEN].sort_col, -1);
	/* A bad value names the file and the line. */
	static const char *const bad[][2] = {
		{ "view = nowhere\n", ":1: invalid view 'nowhere'" },
		{ "\ncolor = maybe\n", ":2: invalid color 'maybe'" },
		{ "numeric = 1 2\n", ":1: invalid numeric '1 2'" },
		{ "processes.columns = pid,bogus\n", ":1: unknown column 'bogus'" },
		{ "processes.columns = pid,,command\n", ":1: empty column in" },
		{ "processes.columns = pid,pid\n", ":1: column named twice 'pid'" },
		{ "processes.columns =\n", ":1: empty column in" },
		{ "listen.sort = fds\n", ":1: unknown sort column 'fds'" },
		/* backlog is CSV's half of QUEUE/BACKLOG: never on screen. */
		{ "listen.columns = local,backlog\n", ":1: unknown column 'backlog'" },
		{ "listen.sort-order = up\n", ":1: invalid sort-order 'up'" },
		{ "nowhere.sort = pid\n", ":1: unknown setting 'nowhere.sort'" },
		{ "processes.width = 3\n", ":1: unknown setting 'processes.width'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(bad[i][0]);
		assert_int_equal(config_load_file(&c, path, 1, &cause), -1);
		if (strstr(cause, bad[i][1]) == NULL || strncmp(cause, path, strlen(path)) != 0)
			fail_msg("%s: got %s, want %s", bad[i][0], cause, bad[i][1]);
		free(cause);
	}
}

/* config_save keeps the user's other lines, makes the directory, and reads back the same. */
static void test_save(void **state)
{
	char dir[] = "/tmp/sockwatch-save-XXXXXX", file[128], text[2048];
	struct config c, back;
	char *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/a/sockwatch/config", dir);
	/* The first save starts from the file that was read (here: path, like /etc's). */
	write_file("# mine\nwindow = 90\nview = sockets\n");
	config_defaults(&c);
	c.view = VIEW_LISTEN;
	c.delay = 2;
	c.views[VIEW_SOCKETS].ncols = 2;
	c.views[VIEW_SOCKETS].cols[0] = 3;
	c.views[VIEW_SOCKETS].cols[1] = 1;
	c.views[VIEW_PROCESSES].sort_col = 0;
	c.views[VIEW_PROCESSES].sort_desc = 0;
	assert_int_equal(config_save(&c, file, path, &cause), 0);
	read_text(file, text, sizeof text);
	assert_non_null(strstr(text, "# mine\nwindow = 90\n"));
	assert_null(strstr(text, "view = sockets"));
	assert_non_null(strstr(text, "view = listen\n"));
	assert_non_null(strstr(text, "delay = 2\n"));
	assert_non_null(strstr(text, "sockets.columns = remote,state\n"));
	assert_non_null(strstr(text, "processes.sort = pid\nprocesses.sort-order = ascending\n"));
	config_defaults(&back);
	assert_int_equal(config_load_file(&back, file, 1, &cause), 0);
	assert_int_equal(back.view, VIEW_LISTEN);
	assert_true(back.delay == 2 && back.leak.window == 90);
	assert_int_equal(back.views[VIEW_SOCKETS].ncols, 2);
	assert_int_equal(back.views[VIEW_PROCESSES].sort_col, 0);
	/* Saved again: its own lines are replaced, not repeated. */
	c.view = VIEW_PORTS;
	assert_int_equal(config_save(&c, file, path, &cause), 0);
	read_text(file, text, sizeof text);
	assert_non_null(strstr(text, "view = ports\n"));
	assert_null(strstr(text, "view = listen"));
	assert_non_null(strstr(text, "window = 90"));
	assert_null(strstr(strstr(text, "window = 90") + 1, "window = 90"));
	/* Nowhere to save: said, nothing written. */
	assert_int_equal(config_save(&c, "", NULL, &cause), -1);
	assert_non_null(strstr(cause, "no place to save"));
	free(cause);
	unlink(file);
	snprintf(text, sizeof text, "%s/a/sockwatch", dir);
	rmdir(text);
	snprintf(text, sizeof text, "%s/a", dir);
	rmdir(text);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),  cmocka_unit_test(test_file),
		cmocka_unit_test(test_errors),	  cmocka_unit_test(test_table),
		cmocka_unit_test(test_bounds),	  cmocka_unit_test(test_fields),
		cmocka_unit_test(test_describe),  cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_view_keys), cmocka_unit_test(test_save),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
