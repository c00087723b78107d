/*
 * test_prometheus.c: the exposition writer. Every family is declared once,
 * before its samples; label values are escaped as the format says; unknown
 * values are left out rather than written as 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "snapfix.h"
#include "sockwatch/leak.h"
#include "sockwatch/out.h"

static void write_prom(struct snapshot *s, struct strbuf *sb)
{
	struct out_opts o = { OUT_PROMETHEUS, VIEW_PROCESSES, NULL, 1.0, 1 };

	snapshot_join(s, NULL);
	sb_init(sb);
	out_write(sb, s, &o);
}

/* The line that starts with prefix, or NULL. */
static const char *line_of(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, n) == 0)
			return p;
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return NULL;
}

/*
 * The format's grammar, line by line: a family's samples follow its HELP and
 * TYPE; no family is declared twice; a name never changes mid-family; no
 * byte is a control.
 */
static void assert_well_formed(const char *text)
{
	char fam[128] = "", seen[64][128];
	size_t nseen = 0, i;
	const char *p = text;

	while (*p != '\0') {
		const char *end = strchr(p, '\n');
		size_t len;
		char name[128];

		assert_non_null(end);
		len = (size_t)(end - p);
		for (i = 0; i < len; i++)
			assert_true((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
		if (strncmp(p, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(p + 7, "%127s", name), 1);
			for (i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], name);
			assert_true(nseen < 64);
			strcpy(seen[nseen++], name);
			strcpy(fam, name);
			/* TYPE follows HELP, for the same name. */
			assert_int_equal(strncmp(end + 1, "# TYPE ", 7), 0);
			assert_int_equal(strncmp(end + 8, name, strlen(name)), 0);
			assert_int_equal(strncmp(name, "sockwatch_", 10), 0);
			p = strchr(end + 1, '\n') + 1;
			if (strstr(fam, "_total") != NULL)
				assert_non_null(strstr(p - 10, "counter\n"));
			else
				assert_non_null(strstr(p - 8, "gauge\n"));
			continue;
		}
		assert_true(fam[0] != '\0');
		assert_int_equal(strncmp(p, fam, strlen(fam)), 0);
		assert_true(p[strlen(fam)] == '{' || p[strlen(fam)] == ' ');
		p = end + 1;
	}
	assert_true(nseen >= 30);
}

static void test_families(void **state)
{
	struct snapshot s;
	struct strbuf sb;

	(void)state;
	build(&s);
	write_prom(&s, &sb);
	assert_well_formed(sb.buf);
	/* pid 300 could not be inspected: no socket count, not 0. */
	assert_null(line_of(sb.buf, "sockwatch_process_sockets{pid=\"300\""));
	assert_non_null(line_of(sb.buf, "sockwatch_process_sockets{pid=\"100\",comm=\"p100\","
					"service=\"\",netns=\"0\",netns_name=\"host\"} 7\n"));
	assert_non_null(line_of(sb.buf, "sockwatch_process_close_wait_sockets{pid=\"100\""));
	assert_non_null(line_of(sb.buf, "sockwatch_files_allocated 100\n"));
	assert_non_null(line_of(sb.buf, "sockwatch_process_fd_usage_ratio{pid=\"100\""));
	assert_non_null(line_of(sb.buf, "sockwatch_listener_backlog{proto=\"tcp\",address=\"::\","
					"port=\"443\""));
	assert_non_null(line_of(sb.buf, "sockwatch_dump_available{dump=\"unix\"} 1\n"));
	/* No leak detector ran: no verdict is made up. */
	assert_null(line_of(sb.buf, "sockwatch_process_leak_level{"));
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_leak_samples(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	const char *p;

	(void)state;
	build(&s);
	snapshot_join(&s, NULL);
	s.leak = xcalloc(s.procs.n, sizeof *s.leak);
	s.leak[0].level = LEAK_CRITICAL;
	s.leak[0].reasons = LR_GROWTH | LR_CLOSE_WAIT;
	s.leak[0].has_growth = 1;
	s.leak[0].growth_per_min = 120;
	s.leak[0].has_eta = 1;
	s.leak[0].eta_seconds = 30.5;
	write_prom(&s, &sb);
	assert_well_formed(sb.buf);
	assert_non_null(line_of(sb.buf, "sockwatch_process_leak_level{pid=\"100\""));
	p = line_of(sb.buf, "sockwatch_process_leak_level{pid=\"100\"");
	assert_non_null(strstr(p, "} 2\n"));
	p = line_of(sb.buf, "sockwatch_process_socket_growth_per_second{pid=\"100\"");
	assert_non_null(p);
	assert_int_equal(strncmp(strchr(p, '}'), "} 2\n", 4), 0);
	p = line_of(sb.buf, "sockwatch_process_fd_exhaustion_seconds{pid=\"100\"");
	assert_non_null(p);
	assert_int_equal(strncmp(strchr(p, '}'), "} 30.5\n", 7), 0);
	assert_non_null(strstr(sb.buf, "netns_name=\"host\",reason=\"growth\"} 1\n"));
	assert_non_null(strstr(sb.buf, "netns_name=\"host\",reason=\"close_wait\"} 1\n"));
	assert_null(strstr(sb.buf, "reason=\"fd_limit\""));
	/* pid 200 is fine: a level, no reasons; pid 300, unknown and fine: no level. */
	assert_non_null(line_of(sb.buf, "sockwatch_process_leak_level{pid=\"200\""));
	assert_null(line_of(sb.buf, "sockwatch_process_leak_level{pid=\"300\""));
	assert_null(line_of(sb.buf, "sockwatch_process_leak_reason{pid=\"200\""));
	sb_fini(&sb);
	free(s.leak);
	s.leak = NULL;
	snapshot_fini(&s);
}

/* A name as the exposition writes it: the comm label of pid 100. */
static void assert_comm_label(const char *comm, size_t len, const char *want)
{
	struct snapshot s;
	struct strbuf sb, exp;
	const char *p;

	build(&s);
	memcpy(s.procs.v[0].comm, comm, len);
	s.procs.v[0].comm[len] = '\0';
	write_prom(&s, &sb);
	assert_well_formed(sb.buf);
	sb_init(&exp);
	sb_printf(&exp, "sockwatch_process_sockets{pid=\"100\",comm=\"%s\",service=", want);
	p = line_of(sb.buf, exp.buf);
	if (p == NULL)
		fail_msg("no line %s in\n%s", exp.buf, sb.buf);
	sb_fini(&exp);
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_label_escapes(void **state)
{
	(void)state;
	/* The format's own three escapes. */
	assert_comm_label("a\\b", 3, "a\\\\b");
	assert_comm_label("say \"hi\"", 8, "say \\\"hi\\\"");
	assert_comm_label("two\nlines", 9, "two\\nlines");
	/* What the format would carry raw: shown as the TUI's text, backslash escaped. */
	assert_comm_label("\x1b[31mred", 8, "\\\\x1b[31mred");
	assert_comm_label("tab\there", 8, "tab\\\\there");
	assert_comm_label("bad\xff", 4, "bad\\\\xff");
	assert_comm_label("\xe2\x80\xae"
			  "evil",
			  7, "\\\\u{202e}evil");
	/* Valid UTF-8 stays as it is. */
	assert_comm_label("caf\xc3\xa9", 5, "caf\xc3\xa9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_leak_samples),
		cmocka_unit_test(test_label_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
