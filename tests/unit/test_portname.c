/*
 * Unit tests of port names (src/present/portname.c): the services(5) parser on a
 * hostile fixture file and on lines built here (megabytes long, NUL bytes), a
 * missing or odd file, and the names as the cells, CSV, JSON and the TUI's N key
 * show them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snapfix.h"
#include "sockwatch/out.h"
#include "sockwatch/present.h"
#include "../../src/ui/ui_int.h"

#define FIX_SERVICES SW_FIXTURES "/services/services"

/* The name of port for proto, "" when there is none (so that assert_string_equal says so). */
static const char *name_of(const struct port_names *t, unsigned proto, unsigned port)
{
	static char buf[128];
	size_t len;
	const char *n = port_names_get(t, proto, port, &len);

	if (n == NULL)
		return "";
	assert_true(len < sizeof buf);
	memcpy(buf, n, len);
	buf[len] = '\0';
	return buf;
}

static void test_fixture_file(void **state)
{
	struct port_names t;

	(void)state;
	port_names_init(&t);
	assert_int_equal(port_names_load(&t, FIX_SERVICES), 0);
	/* Per protocol; UDP-Lite is named as UDP; UNIX has no ports. */
	assert_string_equal(name_of(&t, SP_TCP, 22), "ssh");
	assert_string_equal(name_of(&t, SP_UDP, 22), "");
	assert_string_equal(name_of(&t, SP_UDP, 161), "snmp");
	assert_string_equal(name_of(&t, SP_TCP, 161), "");
	assert_string_equal(name_of(&t, SP_UDP, 53), "domain");
	assert_string_equal(name_of(&t, SP_UDPLITE, 53), "domain");
	assert_string_equal(name_of(&t, SP_UDPLITE, 9999), "");
	assert_string_equal(name_of(&t, SP_UNIX_STREAM, 80), "");
	/* The first line for a port wins; aliases are not names. */
	assert_string_equal(name_of(&t, SP_TCP, 80), "http");
	assert_string_equal(name_of(&t, SP_TCP, 88), "kerberos");
	assert_string_equal(name_of(&t, SP_TCP, 1), "tcpmux");
	assert_string_equal(name_of(&t, SP_UDP, 7), "echo");
	assert_string_equal(name_of(&t, SP_TCP, 443), "https");
	assert_string_equal(name_of(&t, SP_TCP, 65535), "max");
	/* Fields that are not "port/tcp" or "port/udp" name nothing. */
	assert_string_equal(name_of(&t, SP_TCP, 25), "");
	assert_string_equal(name_of(&t, SP_TCP, 0), "");
	assert_string_equal(name_of(&t, SP_TCP, 3), "");
	assert_string_equal(name_of(&t, SP_TCP, 9), "");
	assert_string_equal(name_of(&t, SP_TCP, 2), "");
	assert_string_equal(name_of(&t, SP_TCP, 4), "");
	assert_string_equal(name_of(&t, SP_TCP, 5), "");
	assert_string_equal(name_of(&t, SP_TCP, 6001), "");
	assert_string_equal(name_of(&t, SP_TCP, 8081), ""); /* '#' starts the comment */
	assert_string_equal(name_of(&t, SP_TCP, 65536), "");
	/* Whitespace: CR of a CRLF line, a leading blank. */
	assert_string_equal(name_of(&t, SP_TCP, 8080), "crlf");
	assert_string_equal(name_of(&t, SP_UDP, 8082), "indented");
	/* Names are kept as bytes; whoever prints them escapes them. */
	assert_string_equal(name_of(&t, SP_TCP, 7000), "esc\x1b[31mred");
	assert_string_equal(name_of(&t, SP_UDP, 7001), "nul-free\x07"
						       "bell");
	assert_string_equal(name_of(&t, SP_TCP, 7002), "caf\xc3\xa9");
	assert_string_equal(name_of(&t, SP_TCP, 7003), "bad\xff"
						       "utf8");
	/* 32 bytes are kept, 33 left out (the port stays a number). */
	assert_string_equal(name_of(&t, SP_TCP, 7004), "abcdefghijklmnopqrstuvwxyz012345");
	assert_string_equal(name_of(&t, SP_TCP, 7005), "");
	/* A line of 12 KB of aliases and comment; a 9 KB name; a last line without '\n'. */
	assert_string_equal(name_of(&t, SP_TCP, 7006), "longline");
	assert_string_equal(name_of(&t, SP_TCP, 7007), "");
	assert_string_equal(name_of(&t, SP_UDP, 7008), "lastline");
	/* Every named port of the file, each once. */
	assert_int_equal(t.map.n, 22);
	port_names_fini(&t);
}

/* Lines no fixture should hold: megabytes without a newline, NUL bytes. */
static void test_huge_and_nul(void **state)
{
	static const char nul[] = "nul\0byte\t7100/tcp\n\0\0\0\nafter\t7101/tcp";
	struct port_names t;
	struct strbuf sb;
	size_t big = 4u << 20;
	char *buf = xmalloc(big + 64);
	int n;

	(void)state;
	port_names_init(&t);
	/* A 4 MiB name, then a line that must still be read. */
	memset(buf, 'a', big);
	n = snprintf(buf + big, 64, "\t7200/tcp\nnext\t7201/tcp\n");
	assert_int_equal(port_names_parse(&t, buf, big + (size_t)n), 1);
	assert_string_equal(name_of(&t, SP_TCP, 7200), "");
	assert_string_equal(name_of(&t, SP_TCP, 7201), "next");
	/* A 4 MiB run of aliases after a good entry. */
	n = snprintf(buf, 64, "long\t7202/tcp ");
	memset(buf + n, 'b', big - (size_t)n);
	assert_int_equal(port_names_parse(&t, buf, big), 1);
	assert_string_equal(name_of(&t, SP_TCP, 7202), "long");
	/* Nothing but whitespace, megabytes of it. */
	memset(buf, ' ', big);
	assert_int_equal(port_names_parse(&t, buf, big), 0);
	free(buf);

	assert_int_equal(port_names_parse(&t, nul, sizeof nul - 1), 2);
	sb_init(&sb);
	port_names_use(&t, 0);
	fmt_port(&sb, SP_TCP, 7100);
	assert_string_equal(sb.buf, "nul\\x00byte");
	port_names_use(NULL, 1);
	sb_fini(&sb);
	assert_string_equal(name_of(&t, SP_TCP, 7101), "after");
	assert_int_equal(port_names_parse(&t, "", 0), 0);
	port_names_fini(&t);
}

/* No file, a directory, an empty file: numbers only, and no crash. */
static void test_missing_file(void **state)
{
	struct port_names t;
	struct strbuf sb;

	(void)state;
	port_names_init(&t);
	assert_int_equal(port_names_load(&t, SW_FIXTURES "/services/no-such-file"), -ENOENT);
	assert_int_equal(port_names_load(&t, SW_FIXTURES "/services"), -EINVAL);
	assert_int_equal(port_names_load(&t, "/dev/null"), -EINVAL);
	assert_int_equal(t.map.n, 0);
	assert_null(port_names_get(&t, SP_TCP, 80, NULL));
	assert_null(port_names_get(NULL, SP_TCP, 80, NULL));
	port_names_use(&t, 0);
	assert_false(port_names_available());
	assert_true(port_names_numeric() == 0);
	sb_init(&sb);
	fmt_port(&sb, SP_TCP, 80);
	assert_string_equal(sb.buf, "80");
	sb_fini(&sb);
	port_names_use(NULL, 0);
	assert_true(port_names_numeric());
	port_names_fini(&t);
}

/* The text of column key of view v at row, by the cell's formatter or its CSV one. */
static const char *cell(struct strbuf *sb, const struct snapshot *s, enum view_id v,
			const char *key, uint32_t row, int csv)
{
	const struct view_def *vd = view_get(v);
	size_t k;

	for (k = 0; k < vd->ncols; k++) {
		if (strcmp(vd->cols[k].key, key) != 0)
			continue;
		sb_reset(sb);
		if (csv && vd->cols[k].csv != NULL)
			vd->cols[k].csv(sb, s, row);
		else
			vd->cols[k].fmt(sb, s, row);
		return sb->buf != NULL ? sb->buf : "";
	}
	fail_msg("view %d has no column %s", v, key);
	return NULL;
}

static uint32_t listener_on(const struct snapshot *s, unsigned port)
{
	uint32_t i;

	for (i = 0; i < s->nlisteners; i++) {
		if (s->socks.v[s->listeners[i].sock].sport == port)
			return i;
	}
	fail_msg("no listener on port %u", port);
	return 0;
}

static uint32_t socket_of(const struct snapshot *s, uint32_t ino)
{
	uint32_t i;

	for (i = 0; i < s->socks.n; i++) {
		if (s->socks.v[i].inode == ino)
			return i;
	}
	fail_msg("no socket of inode %u", ino);
	return 0;
}

static uint32_t port_row(const struct snapshot *s, unsigned port)
{
	uint32_t i;

	for (i = 0; i < s->nports; i++) {
		if (s->ports[i].port == port)
			return i;
	}
	fail_msg("no port row of port %u", port);
	return 0;
}

/* Cells by name (escaped), CSV by number, JSON both; --numeric numbers. */
static void test_cells_csv_json(void **state)
{
	struct port_names t;
	struct snapshot s;
	struct strbuf sb, out;
	struct out_opts oo = { OUT_JSON, VIEW_SOCKETS, NULL, 1, 1 };
	struct filter f;
	uint32_t l80, udp, mapped;

	(void)state;
	memset(&f, 0, sizeof f);
	f.uid = -1;
	oo.filter = &f;
	port_names_init(&t);
	assert_int_equal(port_names_load(&t, FIX_SERVICES), 0);
	build(&s);
	snapshot_join(&s, NULL);
	sb_init(&sb);
	sb_init(&out);
	port_names_use(&t, 0);
	l80 = listener_on(&s, 80);
	udp = socket_of(&s, 16);
	mapped = socket_of(&s, 15);

	assert_string_equal(cell(&sb, &s, VIEW_LISTEN, "local", l80, 0), "0.0.0.0:http");
	assert_string_equal(cell(&sb, &s, VIEW_LISTEN, "local", listener_on(&s, 443), 0),
			    "[::]:https");
	assert_string_equal(cell(&sb, &s, VIEW_LISTEN, "local", l80, 1), "0.0.0.0:80");
	/* 9999 is named for TCP only: the UDP socket keeps its number. */
	assert_string_equal(cell(&sb, &s, VIEW_SOCKETS, "local", udp, 0), "127.0.0.1:9999");
	/* The remote port too; a control sequence in a name is escaped, in CSV as well. */
	assert_string_equal(cell(&sb, &s, VIEW_SOCKETS, "remote", mapped, 0),
			    "[::ffff:127.0.0.1]:esc\\x1b[31mred");
	assert_string_equal(cell(&sb, &s, VIEW_SOCKETS, "remote", mapped, 1),
			    "[::ffff:127.0.0.1]:7000");
	assert_string_equal(cell(&sb, &s, VIEW_SOCKETS, "local", mapped, 1),
			    "[::ffff:127.0.0.1]:443");
	assert_string_equal(cell(&sb, &s, VIEW_PORTS, "port", port_row(&s, 80), 0), "http");
	assert_string_equal(cell(&sb, &s, VIEW_PORTS, "port", port_row(&s, 80), 1), "80");
	/* Sorting stays numeric: "https" (443) after "http" (80), whatever the letters. */
	assert_true(view_get(VIEW_LISTEN)->cols[1].cmp(&s, l80, listener_on(&s, 443)) < 0);

	out_write_json(&out, &s, &oo);
	assert_non_null(strstr(out.buf, "\"port\": 80, \"port_name\": \"http\""));
	assert_non_null(strstr(out.buf, "\"port\": 443, \"port_name\": \"https\""));
	assert_non_null(strstr(out.buf, "\"port\": 7000, \"port_name\": \"esc\\u001b[31mred\""));
	assert_non_null(strstr(out.buf, "\"port\": 9999, \"port_name\": null"));
	assert_null(strstr(out.buf, "\x1b"));

	/* --numeric: numbers in the cells; JSON the same as before. */
	port_names_set_numeric(1);
	assert_string_equal(cell(&sb, &s, VIEW_LISTEN, "local", l80, 0), "0.0.0.0:80");
	assert_string_equal(cell(&sb, &s, VIEW_SOCKETS, "remote", mapped, 0),
			    "[::ffff:127.0.0.1]:7000");
	sb_reset(&sb);
	out_write_json(&sb, &s, &oo);
	assert_string_equal(sb.buf, out.buf);

	port_names_use(NULL, 1);
	sb_fini(&sb);
	sb_fini(&out);
	snapshot_fini(&s);
	port_names_fini(&t);
}

/* The TUI: names in the listen view, N toggles them, the message line says which. */
static void test_tui_toggle(void **state)
{
	struct port_names t;
	struct snapshot s;
	struct config cfg;
	struct cellbuf cb;
	struct strbuf scr;
	struct ui u;
	struct ui_event ev = { '2', 0, 0 };
	int y;

	(void)state;
	port_names_init(&t);
	assert_int_equal(port_names_load(&t, FIX_SERVICES), 0);
	port_names_use(&t, 0);
	build(&s);
	/* A listener whose port's name (32 bytes) does not fit the LOCAL column. */
	add_tcp(&s.socks, AF_INET, "127.0.0.1", 7004, "0.0.0.0", 0, TS_LISTEN, 77);
	/* And a connection out to it: the ports view's row of 7004. */
	add_tcp(&s.socks, AF_INET, "127.0.0.1", 40000, "127.0.0.1", 7004, TS_SYN_SENT, 78);
	snapshot_join(&s, NULL);
	config_defaults(&cfg);
	ui_init(&u, &cfg);
	u.snap = &s;
	u.w = 120;
	u.h = 30;
	ui_rebuild(&u);
	cellbuf_init(&cb);
	sb_init(&scr);
#define SCREEN()                                                                                   \
	do {                                                                                       \
		ui_render(&u, &cb);                                                                \
		sb_reset(&scr);                                                                    \
		for (y = 0; y < cb.h; y++) {                                                       \
			cellbuf_row_text(&cb, y, &scr);                                            \
			sb_putc(&scr, '\n');                                                       \
		}                                                                                  \
	} while (0)

	ui_handle(&u, &ev);
	SCREEN();
	assert_non_null(strstr(scr.buf, "0.0.0.0:http "));
	assert_non_null(strstr(scr.buf, "[::]:https "));
	/* A name cut short would read as another: the number instead, there only. */
	assert_non_null(strstr(scr.buf, "127.0.0.1:7004 "));
	assert_null(strstr(scr.buf, "abcdefghij"));
	ev.key = '3';
	ui_handle(&u, &ev);
	SCREEN();
	assert_non_null(strstr(scr.buf, " http tcp "));
	assert_non_null(strstr(scr.buf, " 7004 tcp "));
	ev.key = '2';
	ui_handle(&u, &ev);
	ev.key = 'N';
	ui_handle(&u, &ev);
	SCREEN();
	assert_non_null(strstr(scr.buf, "0.0.0.0:80 "));
	assert_null(strstr(scr.buf, ":http "));
	assert_non_null(strstr(scr.buf, "port numbers"));
	ev.key = 'N';
	ui_handle(&u, &ev);
	SCREEN();
	assert_non_null(strstr(scr.buf, "0.0.0.0:http "));
	assert_non_null(strstr(scr.buf, "port names"));
	/* The help screen lists the key. */
	ev.key = '?';
	ui_handle(&u, &ev);
	SCREEN();
	assert_non_null(strstr(scr.buf, "ports by name (/etc/services) / by number"));
	ev.key = UK_ESC;
	ui_handle(&u, &ev);
	/* Without names to show, N says so and stays on numbers. */
	port_names_fini(&t);
	port_names_init(&t);
	port_names_use(&t, 0);
	ev.key = 'N';
	ui_handle(&u, &ev);
	SCREEN();
	assert_non_null(strstr(scr.buf, "0.0.0.0:80 "));
	assert_non_null(strstr(scr.buf, "port numbers: no names in /etc/services"));
#undef SCREEN
	port_names_use(NULL, 1);
	sb_fini(&scr);
	cellbuf_fini(&cb);
	ui_fini(&u);
	snapshot_fini(&s);
	port_names_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_file), cmocka_unit_test(test_huge_and_nul),
		cmocka_unit_test(test_missing_file), cmocka_unit_test(test_cells_csv_json),
		cmocka_unit_test(test_tui_toggle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
